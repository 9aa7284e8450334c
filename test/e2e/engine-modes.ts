/**
 * The engine modes the end-to-end suites run on: the in-process simulator, and the real Baileys
 * engine against the project's loopback WhatsApp Web test server (same simulator control API).
 */
export interface EngineMode {
  name: string;
  env: Record<string, string>;
  cleanup?: () => Promise<void>;
}

const BAILEYS_TEST_SERVER_READY = false;

export function engineModes(): EngineMode[] {
  const modes: EngineMode[] = [{ name: 'simulator', env: { WHATSAPP_ENGINE: 'simulator' } }];
  if (process.env.E2E_ENGINES !== 'simulator' && BAILEYS_TEST_SERVER_READY) {
    modes.push({ name: 'baileys', env: { WHATSAPP_ENGINE: 'baileys', WHATSAPP_TEST_SERVER: 'true' } });
  }
  return modes;
}
