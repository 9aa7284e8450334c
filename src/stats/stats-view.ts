import { Type, type Static } from 'typebox';

const Count = Type.Integer({ minimum: 0 });

/** Seed 000 §13: `GET /api/whatsapp/stats`. */
export const StatsOverviewSchema = Type.Object({
  sessions: Type.Object({ total: Count, active: Count, connected: Count }),
  messages: Type.Object({ total: Count, today: Count, sent: Count, received: Count }),
  chats: Type.Object({ total: Count, individual: Count, groups: Count }),
  managers: Type.Object({ total: Count, withAccess: Count }),
  /** Beyond the seed: the stored files of those messages (each message counted). */
  media: Type.Object({ storedBytes: Count }),
});
export type StatsOverview = Static<typeof StatsOverviewSchema>;
