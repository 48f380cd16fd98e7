import { decideCommand } from './decide';

export const run = decideCommand('approve');
