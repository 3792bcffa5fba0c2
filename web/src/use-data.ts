import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/**
 * Loads a page's data and reloads it when its key changes, or every `pollMs` (the queue's live
 * refresh) without a page reload. A failed load keeps the last data and reports the error.
 */
export interface Data<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  updatedAt: Date | undefined;
  reload: () => Promise<void>;
}

export function useData<T>(key: string, load: () => Promise<T>, pollMs?: number): Data<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean; updatedAt?: Date }>({ loading: true });
  const loader = useRef(load);
  loader.current = load;
  const seq = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await loader.current();
      if (mine === seq.current) setState({ data, loading: false, updatedAt: new Date() });
    } catch (err) {
      if (mine === seq.current) setState((s) => ({ ...s, error: err as Error, loading: false }));
    }
  }, []);

  useEffect(() => {
    setState({ loading: true });
    void reload();
    if (!pollMs) return undefined;
    const timer = setInterval(() => void reload(), pollMs);
    return () => clearInterval(timer);
  }, [key, pollMs, reload]);

  return { data: state.data, error: state.error, loading: state.loading, updatedAt: state.updatedAt, reload };
}

/** An optional endpoint (added by a later API version): undefined when the server does not have it. */
export async function optional<T>(load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (err) {
    if ((err as { code?: string }).code === 'NOT_FOUND') return undefined;
    throw err;
  }
}
