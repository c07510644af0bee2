// SPDX-License-Identifier: GPL-2.0-only
/*
 * ELF inspection with libelf for uprobe placement and library lookup.
 *
 * Every file read here may be hostile (a container's binaries, a fuzzer's
 * bytes), so nothing in it is trusted: all offsets and sizes are checked
 * against the file size, every loop is bounded by a count libelf has
 * validated, and strings are only used after finding their NUL inside
 * their table. Files are read with ELF_C_READ rather than mmap so a file
 * truncated under us gives a read error instead of SIGBUS.
 */
#include "elfutil.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ld.so.conf nesting and size limits: real configs are tiny and shallow. */
#define CONF_MAX_DEPTH	8
#define CONF_MAX_FILES	256
#define CONF_MAX_BYTES	(64 * 1024)
#define CONF_MAX_GLOB	256

static const char *const default_lib_dirs[] = {
	"/lib/x86_64-linux-gnu",
	"/usr/lib/x86_64-linux-gnu",
	"/lib64",
	"/usr/lib64",
	"/lib",
	"/usr/lib",
};

struct elf_file {
	int fd;
	Elf *elf;
	uint64_t size;		/* file size at open time */
	size_t phnum;
};

const char *elf_strerror(int err)
{
	switch (err) {
	case -ENOENT:
		return "no such file";
	case -EISDIR:
		return "is a directory";
	case -ENOEXEC:
		return "not an ELF file";
	case -EINVAL:
		return "not a 64-bit x86-64 ELF file";
	case -ESRCH:
		return "no such symbol";
	case -EACCES:
		return "permission denied";
	}
	return strerror(err < 0 ? -err : err);
}

static bool libelf_ready;
static pthread_once_t libelf_once = PTHREAD_ONCE_INIT;

static void libelf_init(void)
{
	libelf_ready = elf_version(EV_CURRENT) != EV_NONE;
}

/*
 * Open for reading without ever blocking: O_NONBLOCK keeps a FIFO planted
 * where a file is expected from hanging us; it has no effect on regular
 * files. Only regular files are accepted.
 */
static int open_regular(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int err;

	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (S_ISREG(st->st_mode))
		return fd;
	close(fd);
	return S_ISDIR(st->st_mode) ? -EISDIR : -ENOEXEC;
}

/* Only x86-64 little-endian 64-bit objects can be uprobed by this tool. */
static int check_ident(Elf *elf)
{
	size_t n = 0;
	const char *id = elf_getident(elf, &n);

	if (!id || n < EI_NIDENT)
		return -ENOEXEC;
	if (id[EI_CLASS] != ELFCLASS64 || id[EI_DATA] != ELFDATA2LSB)
		return -EINVAL;
	return 0;
}

static int check_ehdr(Elf *elf)
{
	GElf_Ehdr eh;

	if (!gelf_getehdr(elf, &eh))
		return -ENOEXEC;
	if (eh.e_machine != EM_X86_64)
		return -EINVAL;
	/* Like execve(2): relocatable objects and cores cannot be mapped. */
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return -ENOEXEC;
	return 0;
}

/*
 * A file whose program headers or loadable segments lie past its end (a
 * truncated copy, say) cannot be mapped by the loader, so refuse it here
 * once and let later code rely on PT_LOAD file ranges being in bounds.
 */
static int check_segments(struct elf_file *ef)
{
	bool have_load = false;
	GElf_Phdr ph;
	size_t i;

	/* libelf's accessors take int indexes. */
	if (elf_getphdrnum(ef->elf, &ef->phnum) < 0 || !ef->phnum ||
	    ef->phnum > INT_MAX)
		return -ENOEXEC;
	for (i = 0; i < ef->phnum; i++) {
		if (!gelf_getphdr(ef->elf, (int)i, &ph))
			return -ENOEXEC;
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_offset > ef->size ||
		    ph.p_filesz > ef->size - ph.p_offset)
			return -ENOEXEC;
		have_load = true;
	}
	return have_load ? 0 : -ENOEXEC;
}

static void elf_file_close(struct elf_file *ef)
{
	if (ef->elf)
		elf_end(ef->elf);
	if (ef->fd >= 0)
		close(ef->fd);
	ef->elf = NULL;
	ef->fd = -1;
}

static int elf_file_open(const char *path, struct elf_file *ef)
{
	struct stat st;
	int err;

	ef->fd = -1;
	ef->elf = NULL;
	ef->phnum = 0;
	if (!path)
		return -EFAULT;
	pthread_once(&libelf_once, libelf_init);
	if (!libelf_ready)
		return -ENOSYS;
	ef->fd = open_regular(path, &st);
	if (ef->fd < 0)
		return ef->fd;
	ef->size = (uint64_t)st.st_size;
	err = -ENOEXEC;
	if (ef->size < EI_NIDENT)
		goto fail;
	ef->elf = elf_begin(ef->fd, ELF_C_READ, NULL);
	if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF)
		goto fail;
	err = check_ident(ef->elf);
	if (!err)
		err = check_ehdr(ef->elf);
	if (!err)
		err = check_segments(ef);
	if (!err)
		return 0;
fail:
	elf_file_close(ef);
	return err;
}

int elf_check(const char *path)
{
	struct elf_file ef;
	int err = elf_file_open(path, &ef);

	if (!err)
		elf_file_close(&ef);
	return err;
}

/*
 * Map virtual address @addr to its file offset through the PT_LOAD that
 * holds it in its file-backed part. With @exec_first, executable segments
 * are tried before the others: code is what uprobes go on, and a hostile
 * file may have overlapping segments. *@avail gets the bytes of the
 * segment left from there on.
 */
static int vaddr_to_offset(struct elf_file *ef, uint64_t addr, bool exec_first,
			   uint64_t *off, uint64_t *avail)
{
	GElf_Phdr ph;
	size_t i;
	int pass;

	for (pass = exec_first ? 0 : 1; pass < 2; pass++) {
		for (i = 0; i < ef->phnum; i++) {
			if (!gelf_getphdr(ef->elf, (int)i, &ph) ||
			    ph.p_type != PT_LOAD)
				continue;
			if (pass == 0 && !(ph.p_flags & PF_X))
				continue;
			if (addr < ph.p_vaddr ||
			    addr - ph.p_vaddr >= ph.p_filesz)
				continue;
			/* In bounds: check_segments() vetted this range. */
			*off = ph.p_offset + (addr - ph.p_vaddr);
			*avail = ph.p_filesz - (addr - ph.p_vaddr);
			return 0;
		}
	}
	return -ESRCH;
}

/*
 * How well symbol @name matches the wanted @sym: 0 no match; otherwise
 * higher is better. "foo" and "foo@@VER" (the default version) beat
 * "foo@VER" (a compat version kept for old binaries).
 */
static int name_rank(const char *name, const char *sym, size_t symlen)
{
	if (strncmp(name, sym, symlen) != 0)
		return 0;
	if (name[symlen] == '\0' || strncmp(name + symlen, "@@", 2) == 0)
		return 2;
	if (name[symlen] == '@' && !strchr(sym, '@'))
		return 1;
	return 0;
}

/* Global and weak definitions are what a user means over a static one. */
static int bind_rank(const GElf_Sym *s)
{
	int b = GELF_ST_BIND(s->st_info);

	return b == STB_GLOBAL || b == STB_WEAK ? 2 : 0;
}

static bool is_defined_func(const GElf_Sym *s)
{
	int t = GELF_ST_TYPE(s->st_info);

	return s->st_shndx != SHN_UNDEF &&
	       (t == STT_FUNC || t == STT_GNU_IFUNC);
}

/* Best match for @sym in one symbol table section; -ESRCH when none. */
static int search_symtab(struct elf_file *ef, Elf_Scn *scn, const GElf_Shdr *sh,
			 const char *sym, uint64_t *offset)
{
	size_t symlen = strlen(sym), i, n;
	int best = 0, rank;
	uint64_t off, avail;
	Elf_Data *data;
	GElf_Sym s;

	data = elf_getdata(scn, NULL);
	if (!data || !data->d_buf)
		return -ESRCH;
	n = data->d_size / sizeof(Elf64_Sym);
	if (n > INT_MAX)
		n = INT_MAX;
	for (i = 0; i < n && best < 4; i++) {
		const char *name;

		if (!gelf_getsym(data, (int)i, &s) || !is_defined_func(&s))
			continue;
		name = elf_strptr(ef->elf, sh->sh_link, s.st_name);
		if (!name)
			continue;
		rank = name_rank(name, sym, symlen);
		if (!rank)
			continue;
		rank += bind_rank(&s);
		if (rank <= best ||
		    vaddr_to_offset(ef, s.st_value, true, &off, &avail))
			continue;
		best = rank;
		*offset = off;
	}
	return best ? 0 : -ESRCH;
}

/* Search every section of type @type in order; the first hit wins. */
static int search_symtabs(struct elf_file *ef, Elf64_Word type,
			  const char *sym, uint64_t *offset)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != type)
			continue;
		if (!search_symtab(ef, scn, &sh, sym, offset))
			return 0;
	}
	return -ESRCH;
}

int elf_symbol_offset(const char *path, const char *sym, uint64_t *offset)
{
	struct elf_file ef;
	int err;

	if (!sym || !offset)
		return -EFAULT;
	err = elf_file_open(path, &ef);
	if (err)
		return err;
	err = -ESRCH;
	if (*sym) {
		/* .symtab has locals too; stripped files keep only .dynsym. */
		err = search_symtabs(&ef, SHT_SYMTAB, sym, offset);
		if (err)
			err = search_symtabs(&ef, SHT_DYNSYM, sym, offset);
	}
	elf_file_close(&ef);
	return err;
}

/*
 * The dynamic array and its string table as the loader sees them: through
 * PT_DYNAMIC and DT_STRTAB, not section headers, which the loader ignores
 * and which may be missing or lie.
 */
struct dyn_view {
	Elf_Data *dyn;
	size_t n;
	const char *str;
	size_t strsz;
};

static Elf_Data *dyn_array(struct elf_file *ef, size_t *n)
{
	uint64_t len;
	GElf_Phdr ph;
	size_t i;

	for (i = 0; i < ef->phnum; i++) {
		if (gelf_getphdr(ef->elf, (int)i, &ph) &&
		    ph.p_type == PT_DYNAMIC)
			break;
	}
	if (i == ef->phnum || ph.p_offset >= ef->size)
		return NULL;
	len = ph.p_filesz;
	if (len > ef->size - ph.p_offset)
		len = ef->size - ph.p_offset;
	len -= len % sizeof(Elf64_Dyn);
	if (!len || len / sizeof(Elf64_Dyn) > INT_MAX)
		return NULL;
	*n = len / sizeof(Elf64_Dyn);
	return elf_getdata_rawchunk(ef->elf, (int64_t)ph.p_offset, len,
				    ELF_T_DYN);
}

/* First value of tag @tag before DT_NULL; false if absent. */
static bool dyn_lookup(const struct dyn_view *dv, int64_t tag, uint64_t *val)
{
	GElf_Dyn d;
	size_t i;

	for (i = 0; i < dv->n; i++) {
		if (!gelf_getdyn(dv->dyn, (int)i, &d) || d.d_tag == DT_NULL)
			break;
		if (d.d_tag == tag) {
			*val = d.d_un.d_val;
			return true;
		}
	}
	return false;
}

static int dyn_view_load(struct elf_file *ef, struct dyn_view *dv)
{
	uint64_t addr, sz, off, avail;
	Elf_Data *d;

	memset(dv, 0, sizeof(*dv));
	dv->dyn = dyn_array(ef, &dv->n);
	if (!dv->dyn)
		return -ENOENT;
	if (!dyn_lookup(dv, DT_STRTAB, &addr) || !dyn_lookup(dv, DT_STRSZ, &sz))
		return 0;
	if (vaddr_to_offset(ef, addr, false, &off, &avail))
		return 0;
	if (sz > avail)
		sz = avail;
	if (!sz)
		return 0;
	d = elf_getdata_rawchunk(ef->elf, (int64_t)off, sz, ELF_T_BYTE);
	if (d && d->d_buf) {
		dv->str = d->d_buf;
		dv->strsz = d->d_size;
	}
	return 0;
}

/* String at @idx of the dynamic string table, or NULL if not inside it. */
static const char *dyn_string(const struct dyn_view *dv, uint64_t idx)
{
	if (!dv->str || idx >= dv->strsz)
		return NULL;
	if (!memchr(dv->str + idx, '\0', dv->strsz - idx))
		return NULL;
	return dv->str + idx;
}

/* Call @cb for each valid, non-empty string of tag @tag, in order. */
static int dyn_for_each_string(const struct dyn_view *dv, int64_t tag,
			       int (*cb)(const char *s, void *arg), void *arg)
{
	const char *s;
	GElf_Dyn d;
	size_t i;
	int ret;

	for (i = 0; i < dv->n; i++) {
		if (!gelf_getdyn(dv->dyn, (int)i, &d) || d.d_tag == DT_NULL)
			break;
		if (d.d_tag != tag)
			continue;
		s = dyn_string(dv, d.d_un.d_val);
		if (!s || !*s)
			continue;
		ret = cb(s, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int elf_for_each_needed(const char *path,
			int (*cb)(const char *soname, void *arg), void *arg)
{
	struct elf_file ef;
	struct dyn_view dv;
	int err;

	if (!cb)
		return -EFAULT;
	err = elf_file_open(path, &ef);
	if (err)
		return err;
	/* No PT_DYNAMIC: a static binary, which needs nothing. */
	err = 0;
	if (!dyn_view_load(&ef, &dv))
		err = dyn_for_each_string(&dv, DT_NEEDED, cb, arg);
	elf_file_close(&ef);
	return err;
}

/* Copy of the first string of @tag, or NULL. */
static char *dyn_strdup(const struct dyn_view *dv, int64_t tag)
{
	const char *s;
	uint64_t v;

	if (!dyn_lookup(dv, tag, &v))
		return NULL;
	s = dyn_string(dv, v);
	return s ? strdup(s) : NULL;
}

/*
 * The library search path of @path: DT_RUNPATH, or DT_RPATH when there is
 * no DT_RUNPATH (the loader's rule). NULL when none or unreadable.
 */
static char *elf_search_path(const char *path)
{
	struct elf_file ef;
	struct dyn_view dv;
	char *s = NULL;

	if (elf_file_open(path, &ef))
		return NULL;
	if (!dyn_view_load(&ef, &dv)) {
		s = dyn_strdup(&dv, DT_RUNPATH);
		if (!s)
			s = dyn_strdup(&dv, DT_RPATH);
	}
	elf_file_close(&ef);
	return s;
}

struct lib_search {
	const char *soname;
	const char *root;	/* prefix for absolute paths, no trailing '/' */
	size_t rootlen;
	char *out;
	size_t outlen;
	unsigned int conf_budget;	/* config files we may still read */
};

/*
 * Try @dir[0..dirlen)/soname, under the root when @rooted. Returns 1 when
 * it is the library, 0 to keep looking, or -ENAMETOOLONG when it is but
 * does not fit @out (handing back a later candidate would be wrong).
 */
static int try_dir(struct lib_search *ls, bool rooted, const char *dir,
		   size_t dirlen)
{
	const char *sep = "/";
	char buf[PATH_MAX];
	struct stat st;
	int n;

	if (!dirlen)
		return 0;
	if (dir[dirlen - 1] == '/')
		sep = "";
	n = snprintf(buf, sizeof(buf), "%.*s%.*s%s%s",
		     rooted ? (int)ls->rootlen : 0, ls->root,
		     (int)dirlen, dir, sep, ls->soname);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return 0;
	/* The loader skips files it cannot load, e.g. 32-bit ones. */
	if (stat(buf, &st) || !S_ISREG(st.st_mode) || elf_check(buf))
		return 0;
	if ((size_t)n >= ls->outlen)
		return -ENAMETOOLONG;
	memcpy(ls->out, buf, (size_t)n + 1);
	return 1;
}

/* Does @s start with the dynamic string token $ORIGIN or ${ORIGIN}? */
static size_t origin_token(const char *s, size_t n)
{
	static const char braced[] = "${ORIGIN}", bare[] = "$ORIGIN";
	size_t bl = sizeof(bare) - 1;

	if (n >= sizeof(braced) - 1 && !memcmp(s, braced, sizeof(braced) - 1))
		return sizeof(braced) - 1;
	/* "$ORIGINX" names another (unknown) token, as in ld.so. */
	if (n >= bl && !memcmp(s, bare, bl) &&
	    (n == bl || !(s[bl] == '_' || (s[bl] >= 'A' && s[bl] <= 'Z') ||
			  (s[bl] >= 'a' && s[bl] <= 'z') ||
			  (s[bl] >= '0' && s[bl] <= '9'))))
		return bl;
	return 0;
}

/* Expand $ORIGIN in @s[0..n) into @buf; length, or -1 if it does not fit. */
static int expand_origin(const char *s, size_t n, const char *origin,
			 char *buf, size_t buflen)
{
	size_t olen = strlen(origin), len = 0, i = 0, t;

	while (i < n) {
		t = origin_token(s + i, n - i);
		if (t) {
			if (buflen - len <= olen)
				return -1;
			memcpy(buf + len, origin, olen);
			len += olen;
			i += t;
			continue;
		}
		if (buflen - len <= 1)
			return -1;
		buf[len++] = s[i++];
	}
	buf[len] = '\0';
	return (int)len;
}

/*
 * Search a colon-separated DT_RUNPATH/DT_RPATH list. Literal absolute
 * directories are under the root; $ORIGIN ones derive from @path, which
 * already includes it. Empty entries (the traced process's cwd, which we
 * do not know) are skipped.
 */
static int search_path_list(struct lib_search *ls, const char *list,
			    const char *origin)
{
	char dir[PATH_MAX];
	const char *p = list, *end;
	int len, ret;

	while (*p) {
		end = p + strcspn(p, ":");
		len = expand_origin(p, (size_t)(end - p), origin, dir,
				    sizeof(dir));
		if (len > 0) {
			ret = try_dir(ls, *p == '/', dir, (size_t)len);
			if (ret)
				return ret;
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

/* Directory of @path as given: "." without a slash, "/" for "/x". */
static void path_dirname(const char *path, char *buf, size_t buflen)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash) {
		snprintf(buf, buflen, ".");
		return;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	snprintf(buf, buflen, "%.*s", (int)n, path);
}

/* Read up to CONF_MAX_BYTES of a regular file as a NUL-terminated string. */
static char *read_small_file(const char *path)
{
	struct stat st;
	size_t len = 0;
	ssize_t r;
	char *buf;
	int fd;

	fd = open_regular(path, &st);
	if (fd < 0)
		return NULL;
	buf = malloc(CONF_MAX_BYTES + 1);
	while (buf && len < CONF_MAX_BYTES) {
		r = read(fd, buf + len, CONF_MAX_BYTES - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (buf)
		buf[len] = '\0';
	return buf;
}

static int search_conf_file(struct lib_search *ls, const char *conf, int depth);

/* Backslash-escape glob metacharacters so the root matches literally. */
static bool glob_escape(const char *s, size_t n, char *buf, size_t buflen)
{
	size_t len = 0, i;

	for (i = 0; i < n; i++) {
		if (strchr("*?[]\\", s[i])) {
			if (len + 1 >= buflen)
				return false;
			buf[len++] = '\\';
		}
		if (len + 1 >= buflen)
			return false;
		buf[len++] = s[i];
	}
	buf[len] = '\0';
	return true;
}

/*
 * One `include` pattern of config file @conf (a path inside the root).
 * Relative patterns are relative to the including file's directory, as
 * in ldconfig, which makes them relative to /etc for /etc/ld.so.conf.
 */
static int search_conf_include(struct lib_search *ls, const char *conf,
			       const char *pattern, int depth)
{
	char pat[PATH_MAX], esc[2 * PATH_MAX], dir[PATH_MAX];
	glob_t gl;
	size_t i;
	int n, ret = 0;

	if (*pattern == '/') {
		n = snprintf(pat, sizeof(pat), "%s", pattern);
	} else {
		path_dirname(conf, dir, sizeof(dir));
		n = snprintf(pat, sizeof(pat), "%s/%s", dir, pattern);
	}
	if (n < 0 || (size_t)n >= sizeof(pat))
		return 0;
	if (!glob_escape(ls->root, ls->rootlen, esc, sizeof(esc)) ||
	    strlen(esc) + strlen(pat) >= sizeof(esc))
		return 0;
	strcat(esc, pat);
	/* glob() sorts, and ldconfig reads the matches in that order. */
	if (glob(esc, 0, NULL, &gl))
		gl.gl_pathc = 0;
	for (i = 0; i < gl.gl_pathc && i < CONF_MAX_GLOB && !ret; i++) {
		const char *p = gl.gl_pathv[i];

		/* Matches carry the root; recurse with the path inside it. */
		if (strlen(p) > ls->rootlen && p[ls->rootlen] == '/')
			ret = search_conf_file(ls, p + ls->rootlen, depth + 1);
	}
	globfree(&gl);
	return ret;
}

static bool starts_with_word(const char *line, const char *word, size_t n)
{
	return !strncmp(line, word, n) && (line[n] == ' ' || line[n] == '\t');
}

/* One line of an ld.so.conf file, comment and blanks already stripped. */
static int search_conf_line(struct lib_search *ls, const char *conf,
			    char *line, int depth)
{
	char *save = NULL, *word;
	int ret = 0;

	if (starts_with_word(line, "include", 7)) {
		for (word = strtok_r(line + 7, " \t", &save); word && !ret;
		     word = strtok_r(NULL, " \t", &save))
			ret = search_conf_include(ls, conf, word, depth);
		return ret;
	}
	if (starts_with_word(line, "hwcap", 5))
		return 0;
	/* ldconfig ignores relative directories. */
	if (*line != '/')
		return 0;
	return try_dir(ls, true, line, strlen(line));
}

static char *trim(char *s)
{
	char *end;

	s[strcspn(s, "#")] = '\0';
	s += strspn(s, " \t\r\f\v");
	end = s + strlen(s);
	while (end > s && strchr(" \t\r\f\v", end[-1]))
		*--end = '\0';
	return s;
}

/* Search the directories of config file @conf, a path inside the root. */
static int search_conf_file(struct lib_search *ls, const char *conf, int depth)
{
	char full[PATH_MAX], *buf, *line, *save = NULL;
	int n, ret = 0;

	if (depth > CONF_MAX_DEPTH || !ls->conf_budget)
		return 0;
	ls->conf_budget--;
	n = snprintf(full, sizeof(full), "%.*s%s", (int)ls->rootlen, ls->root,
		     conf);
	if (n < 0 || (size_t)n >= sizeof(full))
		return 0;
	buf = read_small_file(full);
	if (!buf)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save)) {
		line = trim(line);
		if (*line)
			ret = search_conf_line(ls, conf, line, depth);
	}
	free(buf);
	return ret;
}

static int search_defaults(struct lib_search *ls)
{
	size_t n = sizeof(default_lib_dirs) / sizeof(*default_lib_dirs), i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = try_dir(ls, true, default_lib_dirs[i],
			      strlen(default_lib_dirs[i]));
		if (ret)
			return ret;
	}
	return 0;
}

/* A soname with a slash is a path to the loader, used without search. */
static int try_soname_path(struct lib_search *ls)
{
	const char *slash = strrchr(ls->soname, '/');
	struct lib_search one = *ls;

	/* Relative to the traced process's cwd, which we do not know. */
	if (ls->soname[0] != '/')
		return 0;
	one.soname = slash + 1;
	if (slash == ls->soname)
		return try_dir(&one, true, "/", 1);
	return try_dir(&one, true, ls->soname, (size_t)(slash - ls->soname));
}

int elf_find_library(const char *path, const char *soname, const char *root,
		     char *out, size_t outlen)
{
	struct lib_search ls = {
		.soname = soname,
		.root = root ? root : "",
		.out = out,
		.outlen = outlen,
		.conf_budget = CONF_MAX_FILES,
	};
	char origin[PATH_MAX], *list;
	int ret;

	if (!path || !soname || !out)
		return -EFAULT;
	if (!*soname)
		return -ENOENT;
	/* "/" and "" both mean the host; drop trailing slashes either way. */
	ls.rootlen = strlen(ls.root);
	while (ls.rootlen && ls.root[ls.rootlen - 1] == '/')
		ls.rootlen--;

	if (strchr(soname, '/')) {
		ret = try_soname_path(&ls);
		goto out;
	}
	ret = 0;
	list = elf_search_path(path);
	if (list) {
		path_dirname(path, origin, sizeof(origin));
		ret = search_path_list(&ls, list, origin);
		free(list);
	}
	if (!ret)
		ret = search_conf_file(&ls, "/etc/ld.so.conf", 0);
	if (!ret)
		ret = search_defaults(&ls);
out:
	if (ret > 0)
		return 0;
	return ret < 0 ? ret : -ENOENT;
}
