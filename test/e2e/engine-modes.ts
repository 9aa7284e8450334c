/**
 * The engine modes the end-to-end suites run on: the in-process simulator, and the real Baileys
 * engine against the project's loopback WhatsApp Web test server (same simulator control API).
 * `E2E_ENGINES=simulator` (or `baileys`) narrows a run to one of them.
 */
export interface EngineMode {
  name: string;
  env: Record<string, string>;
}

const MODES: EngineMode[] = [
  { name: 'simulator', env: { WHATSAPP_ENGINE: 'simulator' } },
  { name: 'baileys', env: { WHATSAPP_ENGINE: 'baileys', WHATSAPP_TEST_SERVER: 'true' } },
];

export function engineModes(): EngineMode[] {
  const only = process.env.E2E_ENGINES;
  return only ? MODES.filter((m) => m.name === only) : MODES;
}
