/** The console's route schemas shared by its rooms: an id in the path, a page number in the query. */
export const ID_PARAMS = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1, maximum: 2_147_483_647 } },
  required: ['id'],
} as const;

export const PAGE_QUERY = {
  type: 'object',
  properties: { page: { type: 'integer', minimum: 1, maximum: 100_000 } },
} as const;
