import { render } from 'preact';
import { boot, defaultLocale } from './state/app';
import { contentLocale } from './state/content';
import { App } from './ui/App';
import './styles.css';

render(<App />, document.getElementById('app') as HTMLElement);
void boot().then(() => (contentLocale.value = defaultLocale()));
