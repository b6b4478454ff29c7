using System.Runtime.CompilerServices;
using Vireo.Cpu.Decoding;
using Vireo.Cpu.Mmu;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Interpreter;

/// <summary>
/// The A extension. AMOs are host compare-and-swap loops on guest RAM, so they are atomic between harts on different
/// threads; LR/SC use the VM's reservation table plus a CAS against the value LR read.
/// </summary>
internal static unsafe class AtomicOps
{
    public static void LrW(Hart h, DecodedInstruction* d) => LoadReserved(h, d, 4);

    public static void LrD(Hart h, DecodedInstruction* d) => LoadReserved(h, d, 8);

    public static void ScW(Hart h, DecodedInstruction* d) => StoreConditional(h, d, 4);

    public static void ScD(Hart h, DecodedInstruction* d) => StoreConditional(h, d, 8);

    public static void AmoSwapW(Hart h, DecodedInstruction* d) => Amo(h, d, 4, AmoOperation.Swap);

    public static void AmoSwapD(Hart h, DecodedInstruction* d) => Amo(h, d, 8, AmoOperation.Swap);

    public static void AmoAddW(Hart h, DecodedInstruction* d) => Amo(h, d, 4, AmoOperation.Add);

    public static void AmoAddD(Hart h, DecodedInstruction* d) => Amo(h, d, 8, AmoOperation.Add);

    public static void AmoXorW(Hart h, DecodedInstruction* d) => Amo(h, d, 4, AmoOperation.Xor);

    public static void AmoXorD(Hart h, DecodedInstruction* d) => Amo(h, d, 8, AmoOperation.Xor);

    public static void AmoAndW(Hart h, DecodedInstruction* d) => Amo(h, d, 4, AmoOperation.And);

    public static void AmoAndD(Hart h, DecodedInstruction* d) => Amo(h, d, 8, AmoOperation.And);

    public static void AmoOrW(Hart h, DecodedInstruction* d) => Amo(h, d, 4, AmoOperation.Or);

    public static void AmoOrD(Hart h, DecodedInstruction* d) => Amo(h, d, 8, AmoOperation.Or);

    public static void AmoMinW(Hart h, DecodedInstruction* d) => Amo(h, d, 4, AmoOperation.Min);

    public static void AmoMinD(Hart h, DecodedInstruction* d) => Amo(h, d, 8, AmoOperation.Min);

    public static void AmoMaxW(Hart h, DecodedInstruction* d) => Amo(h, d, 4, AmoOperation.Max);

    public static void AmoMaxD(Hart h, DecodedInstruction* d) => Amo(h, d, 8, AmoOperation.Max);

    public static void AmoMinuW(Hart h, DecodedInstruction* d) => Amo(h, d, 4, AmoOperation.MinUnsigned);

    public static void AmoMinuD(Hart h, DecodedInstruction* d) => Amo(h, d, 8, AmoOperation.MinUnsigned);

    public static void AmoMaxuW(Hart h, DecodedInstruction* d) => Amo(h, d, 4, AmoOperation.MaxUnsigned);

    public static void AmoMaxuD(Hart h, DecodedInstruction* d) => Amo(h, d, 8, AmoOperation.MaxUnsigned);

    private static void LoadReserved(Hart h, DecodedInstruction* d, int size)
    {
        HartState* s = h.State;
        ulong address = s->X[d->Rs1];
        if (!h.TranslateAtomic(address, size, AccessType.Read, out byte* host, out ulong physical))
        {
            return;
        }

        ulong value;
        if (host != null)
        {
            value = size == 4 ? (ulong)(long)Volatile.Read(ref *(int*)host) : Volatile.Read(ref *(ulong*)host);
            h.Reserve(physical, value);
        }
        else if (h.ReadDevice(physical, size, out value))
        {
            value = size == 4 ? (ulong)(long)(int)value : value;
        }
        else
        {
            h.RaiseException(TrapCause.LoadAccessFault, address);
            return;
        }

        s->X[d->Rd] = value;
        s->Pc += 4;
    }

    private static void StoreConditional(Hart h, DecodedInstruction* d, int size)
    {
        HartState* s = h.State;
        ulong address = s->X[d->Rs1];
        if (!h.TranslateAtomic(address, size, AccessType.Write, out byte* host, out ulong physical))
        {
            return;
        }

        bool success = false;
        if (h.ReleaseReservation(physical, out ulong expected) && host != null)
        {
            ulong value = s->X[d->Rs2];
            success = size == 4
                ? Interlocked.CompareExchange(ref *(int*)host, (int)value, (int)expected) == (int)expected
                : Interlocked.CompareExchange(ref *(ulong*)host, value, expected) == expected;
            if (success)
            {
                AfterWrite(h, s, host, size);
            }
        }

        s->X[d->Rd] = success ? 0UL : 1UL;
        s->Pc += 4;
    }

    private static void Amo(Hart h, DecodedInstruction* d, int size, AmoOperation operation)
    {
        HartState* s = h.State;
        ulong address = s->X[d->Rs1];
        if (!h.TranslateAtomic(address, size, AccessType.Write, out byte* host, out ulong physical))
        {
            return;
        }

        ulong operand = s->X[d->Rs2];
        ulong old;
        if (host != null)
        {
            old = size == 4 ? (ulong)(long)AmoWord((int*)host, (int)operand, operation) : (ulong)AmoDouble((long*)host, (long)operand, operation);
            AfterWrite(h, s, host, size);
        }
        else
        {
            // Device registers: not atomic with other harts, which is what real buses give for MMIO too.
            if (!h.ReadDevice(physical, size, out old) || !h.WriteDevice(physical, size, size == 4 ? (ulong)(uint)Compute((int)old, (int)operand, operation) : (ulong)Compute((long)old, (long)operand, operation)))
            {
                h.RaiseException(TrapCause.StoreAccessFault, address);
                return;
            }

            old = size == 4 ? (ulong)(long)(int)old : old;
        }

        s->X[d->Rd] = old;
        s->Pc += 4;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AfterWrite(Hart h, HartState* s, byte* host, int size)
    {
        ulong offset = (ulong)(host - s->RamPointer);
        if ((s->CodeFlags[offset >> 12] | *s->ReservationsActive) != 0)
        {
            h.StoreSideEffects(offset + s->RamBase, size);
        }
    }

    private static int AmoWord(int* target, int operand, AmoOperation operation)
    {
        int old = Volatile.Read(ref *target);
        while (true)
        {
            int seen = Interlocked.CompareExchange(ref *target, Compute(old, operand, operation), old);
            if (seen == old)
            {
                return old;
            }

            old = seen;
        }
    }

    private static long AmoDouble(long* target, long operand, AmoOperation operation)
    {
        long old = Volatile.Read(ref *target);
        while (true)
        {
            long seen = Interlocked.CompareExchange(ref *target, Compute(old, operand, operation), old);
            if (seen == old)
            {
                return old;
            }

            old = seen;
        }
    }

    private static int Compute(int old, int operand, AmoOperation operation) => operation switch
    {
        AmoOperation.Swap => operand,
        AmoOperation.Add => old + operand,
        AmoOperation.Xor => old ^ operand,
        AmoOperation.And => old & operand,
        AmoOperation.Or => old | operand,
        AmoOperation.Min => Math.Min(old, operand),
        AmoOperation.Max => Math.Max(old, operand),
        AmoOperation.MinUnsigned => (int)Math.Min((uint)old, (uint)operand),
        _ => (int)Math.Max((uint)old, (uint)operand),
    };

    private static long Compute(long old, long operand, AmoOperation operation) => operation switch
    {
        AmoOperation.Swap => operand,
        AmoOperation.Add => old + operand,
        AmoOperation.Xor => old ^ operand,
        AmoOperation.And => old & operand,
        AmoOperation.Or => old | operand,
        AmoOperation.Min => Math.Min(old, operand),
        AmoOperation.Max => Math.Max(old, operand),
        AmoOperation.MinUnsigned => (long)Math.Min((ulong)old, (ulong)operand),
        _ => (long)Math.Max((ulong)old, (ulong)operand),
    };
}
