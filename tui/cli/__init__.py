"""The `stepscope` command line (`main`) and its subcommands, one module each: `run`,
`inspect`, `export`, `view`, `debug`.

A command returns its exit status, or raises `errors.CommandError` for a failure the
user can fix; `main` prints its message as one line on stderr, without a traceback.
"""
