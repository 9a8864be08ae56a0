/**
 * What the sync loop logs through: three levels, each called with an object of fields and a message
 * (pino's call shape). gitops/ comes before server/ in the folder order, so it names only the methods
 * it calls instead of importing the service's logger type; the service's pino logger fits as it is
 * (cli/syncing.ts passes it), and so does a test's `pino({ level: "silent" })`.
 */
export interface SyncLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}
