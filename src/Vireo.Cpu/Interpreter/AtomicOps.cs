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
    public static DecodedInstruction* LrW(Hart h, HartState* s, DecodedInstruction* d) => LoadReserved(h, s, d, 4);

    public static DecodedInstruction* LrD(Hart h, HartState* s, DecodedInstruction* d) => LoadReserved(h, s, d, 8);

    public static DecodedInstruction* ScW(Hart h, HartState* s, DecodedInstruction* d) => StoreConditional(h, s, d, 4);

    public static DecodedInstruction* ScD(Hart h, HartState* s, DecodedInstruction* d) => StoreConditional(h, s, d, 8);

    public static DecodedInstruction* AmoSwapW(Hart h, HartState* s, DecodedInstruction* d) => Amo(h, s, d, 4, AmoOperation.Swap);

    public static DecodedInstruction* AmoSwapD(Hart h, HartState* s, DecodedInstruction* d) => Amo(h, s, d, 8, AmoOperation.Swap);

    public static DecodedInstruction* AmoAddW(Hart h, HartState* s, DecodedInstruction* d) => Amo(h, s, d, 4, AmoOperation.Add);

    public static DecodedInstruction* AmoAddD(Hart h, HartState* s, DecodedInstruction* d) => Amo(h, s, d, 8, AmoOperation.Add);

    public static DecodedInstruction* AmoXorW(Hart h, HartState* s, DecodedInstruction* d) => Amo(h, s, d, 4, AmoOperation.Xor);

    public static DecodedInstruction* AmoXorD(Hart h, HartState* s, DecodedInstruction* d) => Amo(h, s, d, 8, AmoOperation.Xor);

    public static DecodedInstruction* AmoAndW(Hart h, HartState* s, DecodedInstruction* d) => Amo(h, s, d, 4, AmoOperation.And);

    public static DecodedInstruction* AmoAndD(Hart h, HartState* s, DecodedInstruction* d) => Amo(h, s, d, 8, AmoOperation.And);

    public static DecodedInstruction* AmoOrW(Hart h, HartState* s, DecodedInstruction* d) => Amo(h, s, d, 4, AmoOperation.Or);

    public static DecodedInstruction* AmoOrD(Hart h, HartState* s, DecodedInstruction* d) => Amo(h, s, d, 8, AmoOperation.Or);

    public static DecodedInstruction* AmoMinW(Hart h, HartState* s, DecodedInstruction* d) => Amo(h, s, d, 4, AmoOperation.Min);

    public static DecodedInstruction* AmoMinD(Hart h, HartState* s, DecodedInstruction* d) => Amo(h, s, d, 8, AmoOperation.Min);

    public static DecodedInstruction* AmoMaxW(Hart h, HartState* s, DecodedInstruction* d) => Amo(h, s, d, 4, AmoOperation.Max);

    public static DecodedInstruction* AmoMaxD(Hart h, HartState* s, DecodedInstruction* d) => Amo(h, s, d, 8, AmoOperation.Max);

    public static DecodedInstruction* AmoMinuW(Hart h, HartState* s, DecodedInstruction* d) => Amo(h, s, d, 4, AmoOperation.MinUnsigned);

    public static DecodedInstruction* AmoMinuD(Hart h, HartState* s, DecodedInstruction* d) => Amo(h, s, d, 8, AmoOperation.MinUnsigned);

    public static DecodedInstruction* AmoMaxuW(Hart h, HartState* s, DecodedInstruction* d) => Amo(h, s, d, 4, AmoOperation.MaxUnsigned);

    public static DecodedInstruction* AmoMaxuD(Hart h, HartState* s, DecodedInstruction* d) => Amo(h, s, d, 8, AmoOperation.MaxUnsigned);

    private static DecodedInstruction* LoadReserved(Hart h, HartState* s, DecodedInstruction* d, int size)
    {
        ulong address = s->X[d->Rs1];
        if (!h.TranslateAtomic(address, size, AccessType.Read, out byte* host, out ulong physical))
        {
            return &s->Redirect;
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
            return &s->Redirect;
        }

        s->X[d->Rd] = value;
        return Hart.Next4(s, d);
    }

    private static DecodedInstruction* StoreConditional(Hart h, HartState* s, DecodedInstruction* d, int size)
    {
        ulong address = s->X[d->Rs1];
        if (!h.TranslateAtomic(address, size, AccessType.Write, out byte* host, out ulong physical))
        {
            return &s->Redirect;
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
                LoadStoreOps.AfterHostWrite(h, s, host, size);
            }
        }

        s->X[d->Rd] = success ? 0UL : 1UL;
        if (!success)
        {
            // A failed SC is what a contended LR/SC lock loop looks like; counted like a pause hint.
            h.NoteSpinHint();
        }

        return Hart.Next4(s, d);
    }

    private static DecodedInstruction* Amo(Hart h, HartState* s, DecodedInstruction* d, int size, AmoOperation operation)
    {
        ulong address = s->X[d->Rs1];

        // An aligned AMO on a page the write TLB maps needs no walk: write permission there implies read permission
        // (write-only is reserved in both page tables and PMP).
        byte* host = (address & (ulong)(size - 1)) == 0 ? LoadStoreOps.WriteHost(s, address, size) : null;
        ulong physical = 0;
        if (host == null && !h.TranslateAtomic(address, size, AccessType.Write, out host, out physical))
        {
            return &s->Redirect;
        }

        ulong operand = s->X[d->Rs2];
        ulong old;
        if (host != null)
        {
            old = size == 4 ? (ulong)(long)AmoWord((int*)host, (int)operand, operation) : (ulong)AmoDouble((long*)host, (long)operand, operation);
            LoadStoreOps.AfterHostWrite(h, s, host, size);
        }
        else
        {
            // Device registers: the read and the write happen under one VM-wide lock, so an AMO on a device register is
            // atomic against the other harts' AMOs there (plain loads and stores from other harts are not ordered
            // against it, as on a bus that performs AMOs at the device).
            bool done;
            lock (h.DeviceAtomicsLock)
            {
                done = h.ReadDevice(physical, size, out old)
                    && h.WriteDevice(physical, size, size == 4 ? (ulong)(uint)Compute((int)old, (int)operand, operation) : (ulong)Compute((long)old, (long)operand, operation));
            }

            if (!done)
            {
                h.RaiseException(TrapCause.StoreAccessFault, address);
                return &s->Redirect;
            }

            old = size == 4 ? (ulong)(long)(int)old : old;
        }

        s->X[d->Rd] = old;
        return Hart.Next4(s, d);
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
