using System.Runtime.CompilerServices;

namespace Vireo.Cpu.Jit;

/// <summary>
/// The AMOs compiled regions run on a write-TLB hit: one host interlocked instruction on guest RAM (a locked add,
/// exchange, and or or), returning the old value as the guest register receives it (a word sign-extended). Small enough
/// for the .NET JIT to inline into the region.
/// </summary>
internal static unsafe class RegionAtomics
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long AddW(byte* host, long operand) => Interlocked.Add(ref *(int*)host, (int)operand) - (int)operand;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long AddD(byte* host, long operand) => Interlocked.Add(ref *(long*)host, operand) - operand;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long SwapW(byte* host, long operand) => Interlocked.Exchange(ref *(int*)host, (int)operand);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long SwapD(byte* host, long operand) => Interlocked.Exchange(ref *(long*)host, operand);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long AndW(byte* host, long operand) => Interlocked.And(ref *(int*)host, (int)operand);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long AndD(byte* host, long operand) => Interlocked.And(ref *(long*)host, operand);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long OrW(byte* host, long operand) => Interlocked.Or(ref *(int*)host, (int)operand);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long OrD(byte* host, long operand) => Interlocked.Or(ref *(long*)host, operand);
}
