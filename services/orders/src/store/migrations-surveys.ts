import { sql, type Migration } from 'kysely';

/** The yearly customer survey per area, its answers and its published results per provider (ADR 0040). */
export const surveyMigrations: Record<string, Migration> = {
  '0950_customer_surveys': {
    async up(db) {
      await db.schema
        .createTable('surveys')
        .addColumn('survey_id', 'uuid', (c) => c.primaryKey())
        .addColumn('area_id', 'text', (c) => c.notNull())
        .addColumn('year', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'published')`))
        .addColumn('opened_by', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('follow_up_below', 'numeric(2, 1)')
        .addColumn('published_by', 'text')
        .addColumn('published_at', 'timestamptz')
        .addUniqueConstraint('surveys_area_year', ['area_id', 'year'])
        .execute();
      await db.schema
        .createTable('survey_answers')
        .addColumn('survey_id', 'uuid', (c) => c.notNull().references('surveys.survey_id'))
        .addColumn('customer_id', 'uuid', (c) => c.notNull())
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('score', 'integer', (c) => c.notNull().check(sql`score between 1 and 5`))
        .addColumn('answered_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        // Each customer answers a survey once.
        .addPrimaryKeyConstraint('survey_answers_pk', ['survey_id', 'customer_id'])
        .execute();
      await db.schema
        .createTable('survey_results')
        .addColumn('survey_id', 'uuid', (c) => c.notNull().references('surveys.survey_id'))
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('area_id', 'text', (c) => c.notNull())
        .addColumn('year', 'integer', (c) => c.notNull())
        // The mean score in tenths (43 = 4,3), so that it is exact and compares as an integer.
        .addColumn('score_tenths', 'integer', (c) => c.notNull().check(sql`score_tenths between 10 and 50`))
        .addColumn('answers', 'integer', (c) => c.notNull().check(sql`answers > 0`))
        .addPrimaryKeyConstraint('survey_results_pk', ['survey_id', 'provider_id'])
        .execute();
      await db.schema.createIndex('survey_results_listing').on('survey_results').columns(['area_id', 'provider_id', 'year']).execute();
    },
  },
};
