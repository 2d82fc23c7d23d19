import { createHash } from 'node:crypto';

/** A rendered email ready to go out. */
export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Derived from the idempotency key, so every (re)send of one email carries the same one. */
  messageId: string;
  idempotencyKey: string;
  date: Date;
}

export interface SendResult {
  transport: 'smtp' | 'file';
  /** The SMTP server's answer, or the path of the .eml file. */
  detail: string;
}

/** Where emails go: an SMTP server, or `.eml` files for development. */
export interface MailTransport {
  readonly kind: 'smtp' | 'file';
  /** Resolves once the message is accepted (by the server, or on disk); throws otherwise. */
  send(email: OutgoingEmail): Promise<SendResult>;
  close(): void;
}

const hashOf = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * `<hash-of-key@domain>`: the same for every delivery attempt of one email, so a receiving
 * mail system (and a person's mail client) can recognise the rare duplicate after a crash.
 */
export function messageIdFor(idempotencyKey: string, fromAddress: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(fromAddress)?.[1] ?? 'ates.popug';
  return `<${hashOf(idempotencyKey).slice(0, 32)}@${domain}>`;
}

/** A file name that is safe on any file system and unique per key. */
export function emlFileName(idempotencyKey: string): string {
  const readable = idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  return `${readable}-${hashOf(idempotencyKey).slice(0, 8)}.eml`;
}

/** nodemailer's message fields for an outgoing email. */
export const toNodemailerMessage = (email: OutgoingEmail) => ({
  from: email.from,
  to: email.to,
  subject: email.subject,
  text: email.text,
  html: email.html,
  messageId: email.messageId,
  date: email.date,
  headers: { 'X-Ates-Idempotency-Key': email.idempotencyKey },
});
