import { translation } from './translation.ts';

/** In the key order of en.ts, one string per line with its key in a comment: test/i18n.test.ts reads these lines. */
export const fr = translation([
  'Discutez avec nous', // title
  'Bonjour ! Comment puis-je vous aider ?', // welcome
  'Écrivez un message…', // placeholder
  'Fermer le chat', // closeChat
  'Envoyer', // send
  'Arrêter', // stop
  'Réessayer', // retry
  'Nouvelle conversation', // newConversation
  'Conversation', // transcript
  'Vous', // you
  'Assistant', // assistant
  'Écrit…', // typing
  'Copier', // copy
  'Copié', // copied
  'Utile', // helpful
  'Pas utile', // notHelpful
  'Arrêté.', // stopped
  'Trop de messages. Patientez {seconds} s puis réessayez.', // errorRateLimited
  'Chat mal configuré. Merci de prévenir le responsable du site.', // errorConfig
  'Message non envoyé. Raccourcissez-le ou modifiez-le.', // errorInvalidMessage
  'Vous semblez hors ligne. Vérifiez votre connexion puis réessayez.', // errorOffline
  'L’assistant est indisponible. Réessayez bientôt.', // errorUnavailable
  'Une erreur est survenue. Veuillez réessayer.', // errorServer
  'Sources', // sources
]);
