import type { Command } from 'commander';

/** Adds one command to the program. `setExit` records the command's exit code. */
export type RegisterCommand = (program: Command, setExit: (code: number) => void) => void;
