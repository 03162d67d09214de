import { jetstreamManager } from '@nats-io/jetstream';
import { EVENT_STREAM, PARKED_STREAM, eventCatalog, type EventEnvelope, type EventName } from '@kundval/contracts';
import { connectEventBus, type EventBus } from '@kundval/platform';

/** Reads and re-publishes events on the platform's JetStream, as a fault test needs to. */
export async function eventTap(natsUrl: string) {
  const bus: EventBus = await connectEventBus(natsUrl, 'fault-tests');
  const jsm = await jetstreamManager(bus.nc);

  /** Every stored event of one catalog name whose payload matches `where`, oldest first. */
  async function find(name: EventName, where: (payload: Record<string, unknown>) => boolean): Promise<EventEnvelope[]> {
    const info = await jsm.streams.info(EVENT_STREAM.name);
    const found: EventEnvelope[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const msg = await jsm.streams.getMessage(EVENT_STREAM.name, { seq }).catch(() => null);
      if (!msg || msg.subject !== eventCatalog[name].subject) continue;
      const envelope = msg.json<EventEnvelope>();
      if (where(envelope.payload as Record<string, unknown>)) found.push(envelope);
    }
    return found;
  }

  return {
    bus,
    find,
    /** Publishes exactly these bytes again, with the event id as message id (JetStream de-duplicates). */
    republish: (envelope: EventEnvelope) => bus.publish(envelope),
    /** Publishes the same event under another message id, as a relay would after the de-duplication window. */
    republishPastWindow: async (envelope: EventEnvelope) => {
      await bus.js.publish(envelope.subject, JSON.stringify(envelope), { msgID: `${envelope.eventId}-again-${Date.now()}` });
    },
    publishRaw: async (subject: string, data: string) => {
      await bus.js.publish(subject, data);
    },
    /** Parked events: subject and the reason the consumer gave. */
    parked: async () => {
      const info = await jsm.streams.info(PARKED_STREAM.name);
      const out: Array<{ subject: string; reason: string; consumer: string }> = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const msg = await jsm.streams.getMessage(PARKED_STREAM.name, { seq }).catch(() => null);
        if (msg) out.push({ subject: msg.subject, reason: msg.header.get('Kundval-Park-Reason'), consumer: msg.header.get('Kundval-Consumer') });
      }
      return out;
    },
    close: () => bus.close(),
  };
}
