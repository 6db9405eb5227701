import { translation } from './translation.ts';

/** In the key order of en.ts, one string per line with its key in a comment: test/i18n.test.ts reads these lines. */
export const de = translation([
  'Chatten Sie mit uns', // title
  'Hallo! Wie kann ich helfen?', // welcome
  'Nachricht schreiben…', // placeholder
  'Chat schließen', // closeChat
  'Senden', // send
  'Stoppen', // stop
  'Erneut versuchen', // retry
  'Neues Gespräch', // newConversation
  'Gespräch', // transcript
  'Sie', // you
  'Assistent', // assistant
  'Schreibt…', // typing
  'Kopieren', // copy
  'Kopiert', // copied
  'Hilfreich', // helpful
  'Nicht hilfreich', // notHelpful
  'Gestoppt.', // stopped
  'Zu viele Nachrichten. Bitte in {seconds} s erneut versuchen.', // errorRateLimited
  'Der Chat ist nicht richtig eingerichtet. Bitte den Betreiber informieren.', // errorConfig
  'Nachricht nicht gesendet. Bitte kürzen oder ändern.', // errorInvalidMessage
  'Sie sind offline. Bitte Verbindung prüfen und erneut versuchen.', // errorOffline
  'Der Assistent ist nicht verfügbar. Bitte gleich erneut versuchen.', // errorUnavailable
  'Etwas ist schiefgelaufen. Bitte erneut versuchen.', // errorServer
  'Quellen', // sources
]);
