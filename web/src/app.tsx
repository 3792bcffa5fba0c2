import { useEffect, useState } from 'preact/hooks';
import { currentSession, signOut, whenSignedOut, type SessionInfo } from './api.ts';
import { AlertPage } from './pages/alert.tsx';
import { DetectorsPage } from './pages/detectors.tsx';
import { FinopsPage } from './pages/finops.tsx';
import { LoginPage } from './pages/login.tsx';
import { PosturePage } from './pages/posture.tsx';
import { QueuePage } from './pages/queue.tsx';
import { SessionPage } from './pages/session.tsx';
import { SourcesPage } from './pages/sources.tsx';
import { href, useRoute, type Route } from './router.ts';

/** The shell: sign-in gate, navigation, and the page the hash names. */

const NAV = [
  ['/alerts', 'Alert queue'], ['/finops', 'FinOps'], ['/posture', 'Posture'], ['/sources', 'Sources'], ['/detectors', 'Detectors'],
] as const;

function Page({ route }: { route: Route }) {
  const [section, id] = route.path;
  if (section === 'alerts' && id) return <AlertPage id={id} />;
  if (section === 'sessions' && id) return <SessionPage id={id} />;
  if (section === 'finops') return <FinopsPage route={route} />;
  if (section === 'posture') return <PosturePage route={route} />;
  if (section === 'sources') return <SourcesPage route={route} />;
  if (section === 'detectors') return <DetectorsPage route={route} />;
  return <QueuePage route={route} />;
}

export function App() {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  const route = useRoute();
  useEffect(() => {
    whenSignedOut(() => setSession(null));
    void currentSession().then(setSession);
  }, []);
  // A new page moves focus to its heading, so keyboard and screen-reader users start at the top.
  useEffect(() => document.getElementById('page-title')?.focus(), [route.path.join('/')]);

  if (session === undefined) return <p class="muted">Loading…</p>;
  if (session === null) return <LoginPage onSignedIn={setSession} />;
  const section = route.path[0] ?? 'alerts';
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <header class="top">
        <span class="brand">driftwatch</span>
        <nav aria-label="Console pages">
          {NAV.map(([path, label]) => (
            <a key={path} href={href(path)} aria-current={`/${section}` === path ? 'page' : undefined}>{label}</a>
          ))}
        </nav>
        <span class="who">{session.access === 'write' ? 'triage' : 'read-only'}</span>
        <button type="button" onClick={() => void signOut().then(() => setSession(null))}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}><Page route={route} /></main>
    </>
  );
}
