/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Replacing a file that another program reads at any moment, for
 * --metrics-file: node-exporter's textfile collector must see the last
 * page or the new one, never half of one.
 */
#ifndef UTRACE_ATOMICFILE_H
#define UTRACE_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Replace @path with @data[0..len), mode @mode: written to a temporary
 * file in the same directory, "." + the name + ".XXXXXX" (hidden, and not
 * ending in ".prom", so the collector never reads it), then renamed over
 * @path. Returns 0 or -errno (the temporary file is removed).
 */
int atomic_write_file(const char *path, const void *data, size_t len,
		      mode_t mode);

#endif
