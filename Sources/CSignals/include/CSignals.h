#ifndef DECANT_CSIGNALS_H
#define DECANT_CSIGNALS_H
#include <stddef.h>

/// What the decant command does when a signal ends it, in C because a signal handler may only make
/// async-signal-safe calls (no allocation, no locks, no Swift runtime): it removes the output temporaries the
/// process registered, writes one `error:` line to stderr and `_exit`s.
///
/// - SIGINT, SIGTERM, SIGHUP: exit status 128 + the signal (130, 143, 129).
/// - SIGBUS inside a registered read-only mapping of an input (the file shrank under the mapping): exit status
///   DECANT_EXIT_INPUT_SHRANK with `error: <path> shrank while being read`. Any other SIGBUS takes the default
///   action (a crash with a core), since it is a bug, not an input.
///
/// Registration works (and costs a few atomic operations) whether or not the handlers are installed: the
/// library registers, only the CLI installs.

/// The exit status after an input shrank under its mapping: the status of every other `error:` line.
#define DECANT_EXIT_INPUT_SHRANK 1

/// Registers a read-only mapping of `path`; returns a slot for `decant_mapping_unregister`, or -1 when every
/// slot is taken (a fault in that mapping is then reported as an ordinary crash).
int decant_mapping_register(const void *base, size_t length, const char *path);
void decant_mapping_unregister(int slot);

/// Registers a temporary path to remove if a signal ends the process: a file, or (`is_directory`) a folder of
/// plain files that is emptied and removed. Returns a slot, or -1 when every slot is taken or the path is too
/// long (the temporary then outlives the signal, and `decant clean` removes it).
int decant_temporary_register(const char *path, int is_directory);
void decant_temporary_unregister(int slot);

/// Installs the handlers for SIGINT, SIGTERM, SIGHUP and SIGBUS (the CLI calls this once, first thing).
void decant_signals_install(void);

#endif
