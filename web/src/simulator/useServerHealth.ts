import { useEffect, useState } from 'react';
import type { ServerHealth } from '../api/types';
import { simulatorApi } from './api';

let cached: Promise<ServerHealth | null> | null = null;

/** `GET /health`, once per page load: tells whether the simulator panel applies. */
export function useServerHealth(): ServerHealth | null {
  const [health, setHealth] = useState<ServerHealth | null>(null);
  useEffect(() => {
    cached ??= simulatorApi.health().catch(() => null);
    let live = true;
    void cached.then((h) => {
      if (live) setHealth(h);
    });
    return () => {
      live = false;
    };
  }, []);
  return health;
}
