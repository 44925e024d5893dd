/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "atomicio.h"

static int
make_dir(void **state)
{
	char	*dir = strdup("/tmp/test-atomicio.XXXXXX");

	if (dir == NULL || mkdtemp(dir) == NULL)
		return -1;
	*state = dir;
	return 0;
}

static int
remove_dir(void **state)
{
	char	 cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
	free(*state);
	return system(cmd) == 0 ? 0 : -1;
}

static int
count_entries(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	int		 n = 0;

	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
write_then_overwrite_leaves_one_file(void **state)
{
	char		*p = path_join(*state, "f"), *buf = NULL, *err = NULL;
	struct stat	 st;
	size_t		 len;

	assert_int_equal(atomic_write_file(p, "one", 3, 0600, &err), 0);
	assert_int_equal(atomic_write_file(p, "second", 6, 0644, &err), 0);
	assert_int_equal(read_file(p, 100, &buf, &len, &err), 0);
	assert_string_equal(buf, "second");
	assert_int_equal(len, 6);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(count_entries(*state), 1);
	free(buf);
	free(p);
}

static void
abort_keeps_old_content_and_no_temp(void **state)
{
	struct atomic_file	 af;
	char			*p = path_join(*state, "g"), *buf, *err = NULL;

	assert_int_equal(atomic_write_file(p, "old", 3, 0644, &err), 0);
	assert_int_equal(atomic_open(&af, p, 0644, &err), 0);
	assert_int_equal(write_all(af.fd, "new", 3), 0);
	atomic_abort(&af);
	atomic_abort(&af);
	assert_int_equal(read_file(p, 100, &buf, NULL, &err), 0);
	assert_string_equal(buf, "old");
	assert_int_equal(count_entries(*state), 1);
	free(buf);
	free(p);
}

static void
open_fails_cleanly_in_missing_dir(void **state)
{
	struct atomic_file	 af;
	char			*p = path_join(*state, "no/such/f"), *err = NULL;

	assert_int_equal(atomic_open(&af, p, 0644, &err), -1);
	assert_non_null(strstr(err, "no/such/f"));
	free(err);
	free(p);
}

static void
read_file_enforces_limit_and_type(void **state)
{
	char	*p = path_join(*state, "h"), *buf = NULL, *err = NULL;

	assert_int_equal(atomic_write_file(p, "0123456789", 10, 0644, &err), 0);
	assert_int_equal(read_file(p, 9, &buf, NULL, &err), -1);
	assert_non_null(strstr(err, "larger than 9 bytes"));
	assert_int_equal(read_file(*state, 100, &buf, NULL, &err), -1);
	assert_non_null(strstr(err, "not a regular file"));
	free(err);
	free(p);
}

/* Out-parameters are cleared on entry: a failed call leaves no stale
 * pointer for a caller's cleanup to free twice. */
static void
read_file_clears_outputs_on_failure(void **state)
{
	char	 stale[] = "stale", *buf = stale, *err = NULL;
	size_t	 len = sizeof(stale);

	assert_int_equal(read_file("/nonexistent/x", 100, &buf, &len, &err),
	    -1);
	assert_null(buf);
	assert_int_equal(len, 0);
	free(err);
}

static void
read_file_reads_proc_files_that_report_size_zero(void **state)
{
	char	*buf = NULL, *err = NULL;
	size_t	 len = 0;

	assert_int_equal(read_file("/proc/self/status", 1 << 20, &buf, &len,
	    &err), 0);
	assert_true(len > 0);
	assert_non_null(strstr(buf, "Name:"));
	free(buf);
	assert_int_equal(read_file("/proc/self/status", 16, &buf, &len,
	    &err), -1);
	assert_non_null(strstr(err, "larger than 16 bytes"));
	free(err);
}

static void
mkdir_p_creates_and_tolerates_existing(void **state)
{
	char		*p = path_join(*state, "a/b/c/"), *err = NULL;
	struct stat	 st;

	assert_int_equal(mkdir_p(p, 0755, &err), 0);
	assert_int_equal(mkdir_p(p, 0755, &err), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	free(p);
}

static void
path_join_adds_one_slash(void **state)
{
	char	*a = path_join("/x/", "y"), *b = path_join("/x", "y");

	assert_string_equal(a, "/x/y");
	assert_string_equal(b, "/x/y");
	free(a);
	free(b);
}

/* pwrite_all writes where it is told and leaves the file offset alone. */
static void
pwrite_all_writes_at_offset(void **state)
{
	char	 path[512], buf[8] = { 0 };
	int	 fd;

	snprintf(path, sizeof(path), "%s/f", (char *)*state);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd != -1);
	assert_int_equal(write_all(fd, "abc", 3), 0);
	assert_int_equal(pwrite_all(fd, "XY", 2, 5), 0);
	assert_int_equal(pwrite_all(fd, "Q", 1, 0), 0);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 3);
	assert_int_equal(write_all(fd, "d", 1), 0);
	assert_int_equal(pread(fd, buf, sizeof(buf), 0), 7);
	assert_memory_equal(buf, "Qbcd\0XY", 7);
	assert_int_equal(pwrite_all(-1, "Q", 1, 0), -1);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    write_then_overwrite_leaves_one_file, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(
		    abort_keeps_old_content_and_no_temp, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(
		    open_fails_cleanly_in_missing_dir, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(
		    read_file_enforces_limit_and_type, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(
		    mkdir_p_creates_and_tolerates_existing, make_dir,
		    remove_dir),
		cmocka_unit_test_setup_teardown(
		    pwrite_all_writes_at_offset, make_dir, remove_dir),
		cmocka_unit_test(path_join_adds_one_slash),
		cmocka_unit_test(read_file_reads_proc_files_that_report_size_zero),
		cmocka_unit_test(read_file_clears_outputs_on_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
