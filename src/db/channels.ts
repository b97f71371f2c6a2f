/** LISTEN/NOTIFY channel: deliveries became due (a run was expanded); idle workers wake on it. */
export const DELIVERIES_CHANNEL = 'broadcaster_deliveries';
