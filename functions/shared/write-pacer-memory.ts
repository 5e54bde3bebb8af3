import { scheduleSlot, type PacerStore, type SlotAnswer, type SlotRequest } from './write-pacer';

/**
 * The write schedule in this process's memory: shared by everything that runs in one process (the local
 * stack runs every function there, and so do the tests and the benchmark). JavaScript runs one reservation
 * at a time, so each is atomic.
 */
export class InMemoryPacerStore implements PacerStore {
  private readonly tats = new Map<string, number>();

  reserve(request: SlotRequest): Promise<SlotAnswer> {
    const tat = this.tats.get(request.key);
    const { slotMs, nextTat } = scheduleSlot(tat, request);
    if (slotMs > request.latestSlotMs) return Promise.resolve({ reserved: false, earliestSlotMs: slotMs });
    this.tats.set(request.key, nextTat);
    return Promise.resolve({ reserved: true, slotMs });
  }
}
