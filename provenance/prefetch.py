"""A prefetch hint for compiled kernels: ask the CPU to start loading an array element now.

Owns ``prefetch``, a numba intrinsic that emits LLVM's ``llvm.prefetch``. Kernels that
jump around a large array in an order they know ahead of time (``candidates`` reads one
run of a stored bucket after another, scattered over a gigabyte) wait on memory, not on
arithmetic: asking for the element they will need a few steps later hides most of that
wait (bench/README, "Session 15"). The hint never changes a result.
"""

from __future__ import annotations

from llvmlite import binding, ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

# The intrinsic is overloaded on its pointer type, and its name says which: LLVM 15 and later
# have one opaque pointer type ("p0"), earlier ones a typed byte pointer ("p0i8").
_NAME = "llvm.prefetch.p0" if binding.llvm_version_info >= (15,) else "llvm.prefetch.p0i8"


@intrinsic
def prefetch(typingctx, array, index):  # type: ignore[no-untyped-def]
    """Hint that ``array[index]`` (a 1-d array, an integer index) will be read soon: fetch it into every cache level."""
    if not isinstance(array, types.Array) or array.ndim != 1 or not isinstance(index, types.Integer):
        return None

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        array_type = signature.args[0]
        made = context.make_array(array_type)(context, builder, args[0])
        at = context.cast(builder, args[1], signature.args[1], types.intp)
        pointer = cgutils.get_item_pointer(context, builder, array_type, made, [at], wraparound=False)
        int32 = ir.IntType(32)
        byte_pointer = ir.IntType(8).as_pointer()
        function = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [byte_pointer, int32, int32, int32]), _NAME)
        # read (0), keep in all cache levels (3), data cache (1)
        builder.call(function, [builder.bitcast(pointer, byte_pointer), ir.Constant(int32, 0), ir.Constant(int32, 3), ir.Constant(int32, 1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen
