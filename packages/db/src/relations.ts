import { relations } from 'drizzle-orm';
import { cellsTable, experimentsTable, requestsTable, tokenEventsTable } from './schema.ts';

export const experimentsRelations = relations(experimentsTable, ({ many }) => ({ cells: many(cellsTable) }));

export const cellsRelations = relations(cellsTable, ({ one, many }) => ({
  experiment: one(experimentsTable, { fields: [cellsTable.experimentId], references: [experimentsTable.id] }),
  requests: many(requestsTable),
}));

export const requestsRelations = relations(requestsTable, ({ one, many }) => ({
  cell: one(cellsTable, { fields: [requestsTable.cellId], references: [cellsTable.id] }),
  tokenEvents: many(tokenEventsTable),
}));

export const tokenEventsRelations = relations(tokenEventsTable, ({ one }) => ({
  request: one(requestsTable, { fields: [tokenEventsTable.requestId], references: [requestsTable.id] }),
}));
