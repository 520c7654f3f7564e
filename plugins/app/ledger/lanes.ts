// One lane per lease in this process: a change of a lease waits until the
// change before it (of this process) has written its ledger and projections,
// then starts from that version, in memory. Without the wait two concurrent
// payments to one lease both start from the same version, one loses the
// version check, reads the ledger again and finds the other's version not yet
// projected: a wasted write, a read, and documents checked twice. Changes from
// other processes still meet at the version check.
export class LeaseLanes {
  private readonly tails = new Map<string, Promise<void>>()

  /**
   * Waits for the lease's earlier changes; `waited` says whether there were any.
   * `leave` must be called once this change's ledger and projections are written
   * (or it failed): the next one starts then.
   */
  async enter (key: string): Promise<{ waited: boolean, leave: () => void }> {
    const before = this.tails.get(key)
    let leave!: () => void
    const done = new Promise<void>((resolve) => { leave = resolve })
    const tail = before === undefined ? done : before.then(() => done)
    this.tails.set(key, tail)
    void tail.then(() => { if (this.tails.get(key) === tail) this.tails.delete(key) })
    if (before !== undefined) await before
    return { waited: before !== undefined, leave }
  }
}
