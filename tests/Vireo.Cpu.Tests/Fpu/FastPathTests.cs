using Vireo.Cpu.Fpu;
using Vireo.Cpu.Tests.Fpu.Reference;

namespace Vireo.Cpu.Tests.Fpu;

/// <summary>
/// The host-FPU fast paths (round to nearest even only) against the integer soft-float core, which the differential
/// tests validate against the BigInteger reference. Cheap enough for many more cases than the reference allows.
/// </summary>
public sealed class FastPathTests
{
    private const int Cases = 400_000;

    public static TheoryData<string> Operations => ["Add", "Mul", "Div", "Sqrt", "MulAdd"];

    [Theory]
    [MemberData(nameof(Operations))]
    public void Binary64FastPathMatchesSoftFloat(string operation)
    {
        var gen = new OperandGenerator(RefFormat.Binary64, 1234 + operation.Length);
        const RoundingMode Rne = RoundingMode.NearestEven;
        for (int i = 0; i < Cases; i++)
        {
            (ulong a, ulong b, ulong c) = Operands(gen, i);
            FpFlags fast = FpFlags.None;
            FpFlags soft = FpFlags.None;
            (ulong fastResult, ulong softResult) = operation switch
            {
                "Add" => (F64.Add(a, b, Rne, ref fast), SoftFloat.Add<Binary64Format>(a, b, Rne, ref soft)),
                "Mul" => (F64.Mul(a, b, Rne, ref fast), SoftFloat.Mul<Binary64Format>(a, b, Rne, ref soft)),
                "Div" => (F64.Div(a, b, Rne, ref fast), SoftFloat.Div<Binary64Format>(a, b, Rne, ref soft)),
                "Sqrt" => (F64.Sqrt(a, Rne, ref fast), SoftFloat.Sqrt<Binary64Format>(a, Rne, ref soft)),
                _ => (F64.MulAdd(a, b, c, Rne, ref fast), SoftFloat.MulAdd<Binary64Format>(a, b, c, Rne, ref soft)),
            };
            if (fastResult != softResult || fast != soft)
            {
                Assert.Fail($"{operation} a=0x{a:x} b=0x{b:x} c=0x{c:x}: fast 0x{fastResult:x} {fast}, soft 0x{softResult:x} {soft}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public void Binary32FastPathMatchesSoftFloat(string operation)
    {
        var gen = new OperandGenerator(RefFormat.Binary32, 4321 + operation.Length);
        const RoundingMode Rne = RoundingMode.NearestEven;
        for (int i = 0; i < Cases; i++)
        {
            (ulong a64, ulong b64, ulong c64) = Operands(gen, i);
            uint a = (uint)a64;
            uint b = (uint)b64;
            uint c = (uint)c64;
            FpFlags fast = FpFlags.None;
            FpFlags soft = FpFlags.None;
            (ulong fastResult, ulong softResult) = operation switch
            {
                "Add" => (F32.Add(a, b, Rne, ref fast), SoftFloat.Add<Binary32Format>(a, b, Rne, ref soft)),
                "Mul" => (F32.Mul(a, b, Rne, ref fast), SoftFloat.Mul<Binary32Format>(a, b, Rne, ref soft)),
                "Div" => (F32.Div(a, b, Rne, ref fast), SoftFloat.Div<Binary32Format>(a, b, Rne, ref soft)),
                "Sqrt" => (F32.Sqrt(a, Rne, ref fast), SoftFloat.Sqrt<Binary32Format>(a, Rne, ref soft)),
                _ => (F32.MulAdd(a, b, c, Rne, ref fast), SoftFloat.MulAdd<Binary32Format>(a, b, c, Rne, ref soft)),
            };
            if (fastResult != softResult || fast != soft)
            {
                Assert.Fail($"{operation} a=0x{a:x} b=0x{b:x} c=0x{c:x}: fast 0x{fastResult:x} {fast}, soft 0x{softResult:x} {soft}");
            }
        }
    }

    private static (ulong A, ulong B, ulong C) Operands(OperandGenerator gen, int i)
    {
        ulong a = gen.Next();
        ulong b = i % 3 == 1 ? gen.Near(a) : i % 3 == 2 ? gen.Scaled(a) : gen.Next();
        ulong c = gen.Next();
        if (i % 2 == 0)
        {
            // An addend near the product, so fused results cancel.
            FpFlags ignored = FpFlags.None;
            ulong product = gen.Format.Width == 64
                ? SoftFloat.Mul<Binary64Format>(a, b, RoundingMode.NearestEven, ref ignored)
                : SoftFloat.Mul<Binary32Format>(a, b, RoundingMode.NearestEven, ref ignored);
            c = gen.Near(product ^ gen.Format.SignMask);
        }

        return (a, b, c);
    }
}
