using System.Runtime.CompilerServices;

namespace Vireo.Cpu.Jit;

/// <summary>
/// The code address behind a compiled region's delegate, for its entry slots to call directly: a slot whose handler is
/// the region costs the run loop one indirect call instead of a handler that looks the region up and invokes the
/// delegate (a second, badly predicted indirect call on every region entry).
/// </summary>
internal static unsafe class RegionEntryPoint
{
    /// <summary>
    /// The handler that runs <paramref name="code"/>. A delegate closed over the first argument of a static method calls
    /// the method's code with its target as that argument, which is exactly how the run loop calls a slot handler with
    /// the hart. The caller keeps <paramref name="code"/> alive for as long as any slot holds the handler.
    /// </summary>
    public static InstructionHandler Of(RegionCode code)
    {
        // A DynamicMethod has no other way to its code: ldftn on one is refused and its MethodHandle throws.
        return (InstructionHandler)MethodPointer(code);
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_methodPtr")]
    private static extern ref nint MethodPointer(Delegate code);
}
