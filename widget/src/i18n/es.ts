import { translation } from './translation.ts';

/** In the key order of en.ts, one string per line with its key in a comment: test/i18n.test.ts reads these lines. */
export const es = translation([
  'Chatea con nosotros', // title
  '¡Hola! ¿En qué puedo ayudarte?', // welcome
  'Escribe un mensaje…', // placeholder
  'Cerrar chat', // closeChat
  'Enviar', // send
  'Detener', // stop
  'Reintentar', // retry
  'Nueva conversación', // newConversation
  'Conversación', // transcript
  'Tú', // you
  'Asistente', // assistant
  'Escribiendo…', // typing
  'Copiar', // copy
  'Copiado', // copied
  'Útil', // helpful
  'No útil', // notHelpful
  'Detenido.', // stopped
  'Demasiados mensajes. Espera {seconds} s y vuelve a intentarlo.', // errorRateLimited
  'Este chat no está bien configurado. Avisa al responsable del sitio.', // errorConfig
  'No se pudo enviar el mensaje. Acórtalo o cámbialo.', // errorInvalidMessage
  'Parece que no tienes conexión. Compruébala y reintenta.', // errorOffline
  'El asistente no está disponible. Inténtalo pronto.', // errorUnavailable
  'Algo salió mal. Inténtalo de nuevo.', // errorServer
  'Fuentes', // sources
]);
