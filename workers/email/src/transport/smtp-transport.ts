import nodemailer from 'nodemailer';
import { toNodemailerMessage, type MailTransport } from './mail-transport.ts';

export interface SmtpTransportOptions {
  /** `smtp://host:1025`, `smtps://user:pass@host:465`, … */
  url: string;
  /** For connecting, the greeting and each socket read: a hung server must not hold a job forever. */
  timeoutMs: number;
}

/** Sends through an SMTP server (docker-compose: mailpit at `smtp://mail:1025`). */
export function createSmtpTransport(options: SmtpTransportOptions): MailTransport {
  const transporter = nodemailer.createTransport({
    url: options.url,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
  });
  return {
    kind: 'smtp',
    async send(email) {
      const info = await transporter.sendMail(toNodemailerMessage(email));
      return { transport: 'smtp', detail: String(info.response ?? 'accepted') };
    },
    close: () => transporter.close(),
  };
}
