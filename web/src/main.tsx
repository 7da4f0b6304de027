// The page's entry: reads the configuration the server or the build put into the page and
// renders the app. The API view (GraphiQL) is a separate chunk loaded when it is opened.
import './styles/base.css';
import './styles/chat.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import type { WebConfig } from './config.ts';
import { Session } from './session.ts';

const element = document.getElementById('tollgate-config');
const config = JSON.parse(element?.textContent ?? 'null') as WebConfig | null;
const root = createRoot(document.getElementById('root')!);
if (!config) {
  root.render(<p className="fatal">This page was built without its configuration (tollgate-config).</p>);
} else {
  root.render(
    <StrictMode>
      <App session={new Session(config)} />
    </StrictMode>,
  );
}
