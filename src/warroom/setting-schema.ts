import { z } from 'zod';

/** `war_room` of a source (PATCH /api/v1/sources/:name and the configuration file): open a war room by itself for critical incidents, or not. */
export const warRoomSettingSchema = z.object({ auto_for: z.enum(['critical']).nullable() }).strict();
