import type { EmailRequestedV1 } from '@ates/events';
import { renderPayoutNotice } from './payout-notice.ts';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export type TemplateName = EmailRequestedV1['template'];

/** Renders a job's template with the recipient's name filled in. Pure. */
export function renderEmail(
  template: TemplateName,
  data: EmailRequestedV1['data'],
  name: string,
): RenderedEmail {
  switch (template) {
    case 'payout-notice':
      return renderPayoutNotice({ name, day: data.day, amountCents: data.amountCents });
  }
}
