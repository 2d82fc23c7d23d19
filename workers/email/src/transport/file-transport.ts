import { epochMs } from '@ates/service-kit';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { emlFileName, toNodemailerMessage, type MailTransport } from './mail-transport.ts';

/**
 * Without SMTP, each email becomes `<dir>/<key>-<hash>.eml` (open it in any mail client).
 * The file is named by the idempotency key and written atomically (temp file, then rename),
 * so sending one email again replaces its file: one email, one file.
 */
export function createFileTransport(dir: string): MailTransport {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'file',
    async send(email) {
      const info = await composer.sendMail(toNodemailerMessage(email));
      await fs.mkdir(dir, { recursive: true });
      const file = path.join(dir, emlFileName(email.idempotencyKey));
      const temp = `${file}.${process.pid}.${epochMs()}.tmp`;
      await fs.writeFile(temp, info.message as Buffer);
      await fs.rename(temp, file);
      return { transport: 'file', detail: file };
    },
    close: () => composer.close(),
  };
}
