import { randomUUID } from 'node:crypto';
import type { FollowUpAlertRaised, SurveyPublished } from '@kundval/contracts';
import { audit, type Actor } from '@kundval/platform';
import { findApplication } from '../../store/applications.js';
import type { DecisionsDb } from '../../store/db.js';
import { insertProviderTaskOnce, insertTaskOnce } from '../../store/tasks.js';

/*
 * Case handlers' tasks raised from other services' events (ADR 0040), each once per cause: billing's
 * granted-vs-delivered alert becomes a task on the customer's application, and a provider whose
 * published survey score is below the threshold gets a follow-up task of its own.
 */

/** What a consumer gives the use cases: the transaction, who acts in the audit trail, the event's correlation id. */
export type EventContext = { db: DecisionsDb; actor: Actor; correlationId: string | null };

/** Thrown when the event's application is not here (yet): the consumer redelivers, and parks it if it never comes. */
export class ApplicationNotFoundYet extends Error {}

const percent = (share: number) => `${Math.round(share * 100)} %`;

/** An under- or over-delivery alert as a task on the customer's application; the same alert again adds nothing. */
export async function taskForDeliveryAlert(ctx: EventContext, alert: FollowUpAlertRaised): Promise<{ taskId: string | null }> {
  if (!(await findApplication(ctx.db, alert.applicationId))) throw new ApplicationNotFoundYet(`No application ${alert.applicationId} for alert ${alert.alertId}.`);
  const what = alert.kind === 'under-delivery' ? 'below' : 'above';
  const months = alert.firstMonth === alert.month ? alert.month : `${alert.firstMonth}–${alert.month}`;
  const message = `${alert.providerId} delivered ${alert.shares.map(percent).join(', ')} of the ordered time in ${months}, ${what} the agreed share: follow up with the provider and the customer, and review the decision.`;
  const taskId = await insertTaskOnce(ctx.db, {
    task_id: randomUUID(),
    application_id: alert.applicationId,
    kind: alert.kind,
    key: `${alert.orderId}:${alert.firstMonth}`,
    message,
    status: 'open',
    created_by: ctx.actor.sub,
    done_by: null,
    done_at: null,
    note: null,
  });
  if (taskId) {
    await audit(ctx.db, ctx.actor, { action: 'task.created', entity: 'task', entityId: taskId, after: { applicationId: alert.applicationId, kind: alert.kind, alertId: alert.alertId, orderId: alert.orderId }, correlationId: ctx.correlationId });
  }
  return { taskId: taskId ?? null };
}

/** One follow-up task per provider the published survey found below the threshold; the same survey again adds nothing. */
export async function tasksForSurvey(ctx: EventContext, survey: SurveyPublished): Promise<{ taskIds: string[] }> {
  const taskIds: string[] = [];
  for (const providerId of survey.belowThreshold) {
    const result = survey.results.find((r) => r.providerId === providerId);
    const score = result ? `${result.score.toFixed(1).replace('.', ',')} from ${result.answers} answer(s)` : 'no score';
    const taskId = await insertProviderTaskOnce(ctx.db, {
      task_id: randomUUID(),
      application_id: null,
      provider_id: providerId,
      area_id: survey.areaId,
      kind: 'survey-follow-up',
      key: `${survey.surveyId}:${providerId}`,
      message: `${providerId} scored ${score} in the customer survey of ${survey.areaId} ${survey.year}, below ${survey.followUpBelow.toFixed(1).replace('.', ',')}: follow up the provider's quality.`,
      status: 'open',
      created_by: ctx.actor.sub,
      done_by: null,
      done_at: null,
      note: null,
    });
    if (!taskId) continue;
    taskIds.push(taskId);
    await audit(ctx.db, ctx.actor, { action: 'task.created', entity: 'task', entityId: taskId, after: { providerId, areaId: survey.areaId, kind: 'survey-follow-up', surveyId: survey.surveyId }, correlationId: ctx.correlationId });
  }
  return { taskIds };
}
