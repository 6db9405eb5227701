import { translation } from './translation.ts';

/** In the key order of en.ts, one string per line with its key in a comment: test/i18n.test.ts reads these lines. */
export const ar = translation([
  'تحدث معنا', // title
  'مرحبًا! كيف يمكنني مساعدتك؟', // welcome
  'اكتب رسالة…', // placeholder
  'إغلاق المحادثة', // closeChat
  'إرسال', // send
  'إيقاف', // stop
  'إعادة المحاولة', // retry
  'محادثة جديدة', // newConversation
  'المحادثة', // transcript
  'أنت', // you
  'المساعد', // assistant
  'يكتب…', // typing
  'نسخ', // copy
  'تم النسخ', // copied
  'مفيد', // helpful
  'غير مفيد', // notHelpful
  'تم الإيقاف.', // stopped
  'رسائل كثيرة جدًا. يرجى الانتظار {seconds} ثانية ثم المحاولة مجددًا.', // errorRateLimited
  'هذه المحادثة غير مُعدّة بشكل صحيح. يرجى إبلاغ مالك الموقع.', // errorConfig
  'تعذّر إرسال الرسالة. يرجى اختصارها أو تعديلها.', // errorInvalidMessage
  'يبدو أنك غير متصل. تحقق من اتصالك ثم حاول مجددًا.', // errorOffline
  'المساعد غير متاح حاليًا. يرجى المحاولة بعد قليل.', // errorUnavailable
  'حدث خطأ ما. يرجى المحاولة مجددًا.', // errorServer
  'المصادر', // sources
]);
