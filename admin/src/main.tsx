import { render } from 'preact';
import './styles.css';

render(<h1>Relais</h1>, document.getElementById('app') as HTMLElement);
