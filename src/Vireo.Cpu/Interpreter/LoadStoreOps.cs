using System.Runtime.CompilerServices;
using Vireo.Cpu.Decoding;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Interpreter;

/// <summary>Loads and stores: a direct-mapped TLB hit goes straight to host memory; everything else takes the slow path on the hart.</summary>
internal static unsafe class LoadStoreOps
{
    public static DecodedInstruction* Lb(Hart h, HartState* s, DecodedInstruction* d)
    {
        ulong address = s->X[d->Rs1] + (ulong)(long)d->Imm;
        byte* host = ReadHost(s, address, 1);
        if (host == null)
        {
            return LoadMiss(h, s, d, address, 1, signExtend: true);
        }

        s->X[d->Rd] = (ulong)(long)Unsafe.ReadUnaligned<sbyte>(host);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Lh(Hart h, HartState* s, DecodedInstruction* d)
    {
        ulong address = s->X[d->Rs1] + (ulong)(long)d->Imm;
        byte* host = ReadHost(s, address, 2);
        if (host == null)
        {
            return LoadMiss(h, s, d, address, 2, signExtend: true);
        }

        s->X[d->Rd] = (ulong)(long)Unsafe.ReadUnaligned<short>(host);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Lw(Hart h, HartState* s, DecodedInstruction* d)
    {
        ulong address = s->X[d->Rs1] + (ulong)(long)d->Imm;
        byte* host = ReadHost(s, address, 4);
        if (host == null)
        {
            return LoadMiss(h, s, d, address, 4, signExtend: true);
        }

        s->X[d->Rd] = (ulong)(long)Unsafe.ReadUnaligned<int>(host);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Ld(Hart h, HartState* s, DecodedInstruction* d)
    {
        ulong address = s->X[d->Rs1] + (ulong)(long)d->Imm;
        byte* host = ReadHost(s, address, 8);
        if (host == null)
        {
            return LoadMiss(h, s, d, address, 8, signExtend: false);
        }

        s->X[d->Rd] = Unsafe.ReadUnaligned<ulong>(host);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Lbu(Hart h, HartState* s, DecodedInstruction* d)
    {
        ulong address = s->X[d->Rs1] + (ulong)(long)d->Imm;
        byte* host = ReadHost(s, address, 1);
        if (host == null)
        {
            return LoadMiss(h, s, d, address, 1, signExtend: false);
        }

        s->X[d->Rd] = Unsafe.ReadUnaligned<byte>(host);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Lhu(Hart h, HartState* s, DecodedInstruction* d)
    {
        ulong address = s->X[d->Rs1] + (ulong)(long)d->Imm;
        byte* host = ReadHost(s, address, 2);
        if (host == null)
        {
            return LoadMiss(h, s, d, address, 2, signExtend: false);
        }

        s->X[d->Rd] = Unsafe.ReadUnaligned<ushort>(host);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Lwu(Hart h, HartState* s, DecodedInstruction* d)
    {
        ulong address = s->X[d->Rs1] + (ulong)(long)d->Imm;
        byte* host = ReadHost(s, address, 4);
        if (host == null)
        {
            return LoadMiss(h, s, d, address, 4, signExtend: false);
        }

        s->X[d->Rd] = Unsafe.ReadUnaligned<uint>(host);
        return Hart.Next(s, d);
    }

    public static DecodedInstruction* Sb(Hart h, HartState* s, DecodedInstruction* d)
    {
        ulong address = s->X[d->Rs1] + (ulong)(long)d->Imm;
        ulong value = s->X[d->Rs2];
        byte* host = WriteHost(s, address, 1);
        if (host == null)
        {
            return StoreMiss(h, s, d, address, 1, value);
        }

        Unsafe.WriteUnaligned(host, (byte)value);
        return AfterStore(h, s, d, host, 1);
    }

    public static DecodedInstruction* Sh(Hart h, HartState* s, DecodedInstruction* d)
    {
        ulong address = s->X[d->Rs1] + (ulong)(long)d->Imm;
        ulong value = s->X[d->Rs2];
        byte* host = WriteHost(s, address, 2);
        if (host == null)
        {
            return StoreMiss(h, s, d, address, 2, value);
        }

        Unsafe.WriteUnaligned(host, (ushort)value);
        return AfterStore(h, s, d, host, 2);
    }

    public static DecodedInstruction* Sw(Hart h, HartState* s, DecodedInstruction* d)
    {
        ulong address = s->X[d->Rs1] + (ulong)(long)d->Imm;
        ulong value = s->X[d->Rs2];
        byte* host = WriteHost(s, address, 4);
        if (host == null)
        {
            return StoreMiss(h, s, d, address, 4, value);
        }

        Unsafe.WriteUnaligned(host, (uint)value);
        return AfterStore(h, s, d, host, 4);
    }

    public static DecodedInstruction* Sd(Hart h, HartState* s, DecodedInstruction* d)
    {
        ulong address = s->X[d->Rs1] + (ulong)(long)d->Imm;
        ulong value = s->X[d->Rs2];
        byte* host = WriteHost(s, address, 8);
        if (host == null)
        {
            return StoreMiss(h, s, d, address, 8, value);
        }

        Unsafe.WriteUnaligned(host, (ulong)value);
        return AfterStore(h, s, d, host, 8);
    }

    /// <summary>The host address of <paramref name="size"/> bytes at <paramref name="address"/> when the read TLB maps them, else null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* ReadHost(HartState* s, ulong address, int size) => TlbHost(s->ReadTlb, s->DataSalt, address, size);

    /// <summary>The host address of <paramref name="size"/> bytes at <paramref name="address"/> when the write TLB maps them, else null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static byte* WriteHost(HartState* s, ulong address, int size) => TlbHost(s->WriteTlb, s->DataSalt, address, size);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* TlbHost(ulong* tlb, ulong salt, ulong address, int size)
    {
        ulong vpn = address >> 12;
        ulong* entry = tlb + ((vpn & (HartState.TlbEntries - 1)) * 2);
        return entry[0] == (vpn | salt) && (address & 0xFFF) <= (ulong)(4096 - size) ? (byte*)(entry[1] + address) : null;
    }

    /// <summary>True when a write that went straight to <paramref name="host"/> needs <see cref="Hart.StoreSideEffects"/>: its page has decoded code, or some hart holds a reservation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasStoreEffects(HartState* s, byte* host) =>
        (s->CodeFlags[(ulong)(host - s->RamPointer) >> 12] | *s->ReservationsActive) != 0;

    /// <summary>Runs the side effects of a write that went straight to host memory (stores, AMOs, SC).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AfterHostWrite(Hart h, HartState* s, byte* host, int size)
    {
        if (HasStoreEffects(s, host))
        {
            h.StoreSideEffects((ulong)(host - s->RamPointer) + s->RamBase, size);
        }
    }

    /// <summary>
    /// Finishes an integer store that hit the write TLB; the side effects run out of line as a tail call, so the hit
    /// path needs no stack frame.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static DecodedInstruction* AfterStore(Hart h, HartState* s, DecodedInstruction* d, byte* host, int size) =>
        HasStoreEffects(s, host) ? StoreEffects(h, s, d, host, size) : Hart.Next(s, d);

    // The misses live out of line and end in the handler's return, so the hit path needs no stack frame.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static DecodedInstruction* LoadMiss(Hart h, HartState* s, DecodedInstruction* d, ulong address, int size, bool signExtend)
    {
        if (!h.LoadSlow(address, size, out ulong raw))
        {
            return &s->Redirect;
        }

        int unused = 64 - (8 * size);
        s->X[d->Rd] = signExtend ? (ulong)((long)(raw << unused) >> unused) : (raw << unused) >> unused;
        return Hart.Next(s, d);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static DecodedInstruction* StoreMiss(Hart h, HartState* s, DecodedInstruction* d, ulong address, int size, ulong value)
    {
        int unused = 64 - (8 * size);
        return h.StoreSlow(address, size, (value << unused) >> unused) ? Hart.Next(s, d) : &s->Redirect;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static DecodedInstruction* StoreEffects(Hart h, HartState* s, DecodedInstruction* d, byte* host, int size)
    {
        // Side effects may forget the page being executed; that ends the block, so the slot returned is never run.
        h.StoreSideEffects((ulong)(host - s->RamPointer) + s->RamBase, size);
        return Hart.Next(s, d);
    }

    /// <summary>Loads a <typeparamref name="T"/> through the read TLB, or the slow path (which may raise a fault and return false).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryLoad<T>(Hart h, HartState* s, ulong address, out T value)
        where T : unmanaged
    {
        byte* host = ReadHost(s, address, sizeof(T));
        if (host != null)
        {
            value = Unsafe.ReadUnaligned<T>(host);
            return true;
        }

        bool ok = h.LoadSlow(address, sizeof(T), out ulong raw);
        value = Unsafe.As<ulong, T>(ref raw);
        return ok;
    }

    /// <summary>Stores a <typeparamref name="T"/> through the write TLB, or the slow path (which may raise a fault and return false).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryStore<T>(Hart h, HartState* s, ulong address, T value)
        where T : unmanaged
    {
        byte* host = WriteHost(s, address, sizeof(T));
        if (host != null)
        {
            Unsafe.WriteUnaligned(host, value);
            AfterHostWrite(h, s, host, sizeof(T));
            return true;
        }

        ulong raw = 0;
        Unsafe.As<ulong, T>(ref raw) = value;
        return h.StoreSlow(address, sizeof(T), raw);
    }
}
