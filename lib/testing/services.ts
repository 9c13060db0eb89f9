/** Test helper: the worker's services over one session, as lib/worker/worker.ts wires them. */
import { createCardService, type CardServiceDeps } from '../card/cardService';
import { createConnectionService } from '../connection/connectionService';
import { createSession, type SessionDeps } from '../connection/session';
import { createProjectService } from '../project/projectService';
import { memoryStore } from '../storage/store';

export function servicesFor(deps: SessionDeps & Pick<CardServiceDeps, 'freshForMs' | 'sampling' | 'pollDelayMs'>) {
  const store = deps.store ?? memoryStore();
  const session = createSession({ ...deps, store });
  return {
    session,
    store,
    card: createCardService({ session, store, now: deps.now, freshForMs: deps.freshForMs, sampling: deps.sampling, pollDelayMs: deps.pollDelayMs }),
    connection: createConnectionService(session),
    project: createProjectService({ session, store, now: deps.now }),
  };
}
