// One run at a time of a job that brings something up to date: calls during a run ask for one more run
// after it, and every caller waits for the run that covers its call.

export function coalesced(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await run();
      } while (again);
    })().finally(() => (running = undefined));
    return running;
  };
}
