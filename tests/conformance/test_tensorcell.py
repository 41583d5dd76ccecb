"""jupyter_kernel_test (Debian's python3-jupyter-kernel-test) against the installed
tensorcell kernelspec, with TypeScript samples for every test the suite has.

Run by tests/conformance/conformance.test.ts with JUPYTER_PATH pointing at a
temporary kernelspec install; /usr/bin/python3 is the interpreter that sees
Debian's Jupyter packages.
"""
import unittest

import jupyter_kernel_test


class TensorcellKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "tensorcell"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("to stderr")'

    completion_samples = [
        {"text": "Math.ab", "matches": {"abs"}},
        {"text": "const completeMe: number = 1; completeM", "matches": {"completeMe"}},
    ]

    complete_code_samples = ["1 + 1", "const x: number = 1", "function f() { return 1 }", ""]
    incomplete_code_samples = ["function f() {", "const a = [1, 2,", "if (x) {\n  y()", "`unclosed template"]
    invalid_code_samples = ["const = 1", "let 1x = 2", "}"]

    code_generate_error = 'throw new Error("expected failure")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": "'a' + 'b'", "result": "'ab'"},
        {"code": "[1, 2, 3].map((n: number) => n * 2)", "result": "[ 2, 4, 6 ]"},
    ]

    code_display_data = [
        {"code": 'display.html("<b>bold</b>")', "mime": "text/html"},
        {"code": 'display.markdown("# title")', "mime": "text/markdown"},
        {"code": "display.png(tf.zeros([4, 4, 3]))", "mime": "image/png"},
    ]

    code_history_pattern = "6 * 7"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"

    code_page_something = "Math.max?"

    code_clear_output = "display.clear()"


if __name__ == "__main__":
    unittest.main(verbosity=2)
