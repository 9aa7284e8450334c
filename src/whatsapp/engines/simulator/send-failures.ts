import { EngineSendError } from '../../engine.js';

type SendFault = 'rate_limit' | 'network' | 'not_on_whatsapp';

const MESSAGES: Record<SendFault, string> = {
  rate_limit: 'WhatsApp rate limit reached',
  network: 'Network error while sending',
  not_on_whatsapp: 'The recipient is not on WhatsApp',
};

/** Sends the simulator was told to fail (`send-failures`), in order: each throws as WhatsApp's refusal would. */
export class SendFailures {
  private readonly queue: { errorType: SendFault; left: number }[] = [];

  add(errorType: SendFault, count: number): void {
    this.queue.push({ errorType, left: count });
  }

  /** Throws for the next failing send, if one is queued. */
  next(): void {
    const failure = this.queue[0];
    if (!failure) return;
    failure.left -= 1;
    if (failure.left <= 0) this.queue.shift();
    throw new EngineSendError(failure.errorType, MESSAGES[failure.errorType]);
  }
}
