using System.Runtime.CompilerServices;
using Vireo.Cpu.Decoding;
using Vireo.Cpu.State;

namespace Vireo.Cpu.Interpreter;

/// <summary>Loads and stores: a direct-mapped TLB hit goes straight to host memory; everything else takes the slow path on the hart.</summary>
internal static unsafe class LoadStoreOps
{
    public static DecodedInstruction* Lb(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        if (TryLoad(h, s, s->X[d->Rs1] + (ulong)(long)d->Imm, out sbyte v))
        {
            s->X[d->Rd] = (ulong)(long)v;
            return Hart.Next(s, d);
        }

        return h.Redirect;
    }

    public static DecodedInstruction* Lh(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        if (TryLoad(h, s, s->X[d->Rs1] + (ulong)(long)d->Imm, out short v))
        {
            s->X[d->Rd] = (ulong)(long)v;
            return Hart.Next(s, d);
        }

        return h.Redirect;
    }

    public static DecodedInstruction* Lw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        if (TryLoad(h, s, s->X[d->Rs1] + (ulong)(long)d->Imm, out int v))
        {
            s->X[d->Rd] = (ulong)(long)v;
            return Hart.Next(s, d);
        }

        return h.Redirect;
    }

    public static DecodedInstruction* Ld(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        if (TryLoad(h, s, s->X[d->Rs1] + (ulong)(long)d->Imm, out ulong v))
        {
            s->X[d->Rd] = v;
            return Hart.Next(s, d);
        }

        return h.Redirect;
    }

    public static DecodedInstruction* Lbu(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        if (TryLoad(h, s, s->X[d->Rs1] + (ulong)(long)d->Imm, out byte v))
        {
            s->X[d->Rd] = v;
            return Hart.Next(s, d);
        }

        return h.Redirect;
    }

    public static DecodedInstruction* Lhu(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        if (TryLoad(h, s, s->X[d->Rs1] + (ulong)(long)d->Imm, out ushort v))
        {
            s->X[d->Rd] = v;
            return Hart.Next(s, d);
        }

        return h.Redirect;
    }

    public static DecodedInstruction* Lwu(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        if (TryLoad(h, s, s->X[d->Rs1] + (ulong)(long)d->Imm, out uint v))
        {
            s->X[d->Rd] = v;
            return Hart.Next(s, d);
        }

        return h.Redirect;
    }

    public static DecodedInstruction* Sb(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        if (TryStore(h, s, s->X[d->Rs1] + (ulong)(long)d->Imm, (byte)s->X[d->Rs2]))
        {
            return Hart.Next(s, d);
        }

        return h.Redirect;
    }

    public static DecodedInstruction* Sh(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        if (TryStore(h, s, s->X[d->Rs1] + (ulong)(long)d->Imm, (ushort)s->X[d->Rs2]))
        {
            return Hart.Next(s, d);
        }

        return h.Redirect;
    }

    public static DecodedInstruction* Sw(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        if (TryStore(h, s, s->X[d->Rs1] + (ulong)(long)d->Imm, (uint)s->X[d->Rs2]))
        {
            return Hart.Next(s, d);
        }

        return h.Redirect;
    }

    public static DecodedInstruction* Sd(Hart h, DecodedInstruction* d)
    {
        HartState* s = h.State;
        if (TryStore(h, s, s->X[d->Rs1] + (ulong)(long)d->Imm, (ulong)s->X[d->Rs2]))
        {
            return Hart.Next(s, d);
        }

        return h.Redirect;
    }

    /// <summary>Loads a <typeparamref name="T"/> through the read TLB, or the slow path (which may raise a fault and return false).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryLoad<T>(Hart h, HartState* s, ulong address, out T value)
        where T : unmanaged
    {
        ulong vpn = address >> 12;
        ulong* entry = s->ReadTlb + ((vpn & (HartState.TlbEntries - 1)) * 2);
        if (entry[0] == (vpn | s->DataSalt) && (address & 0xFFF) <= (ulong)(4096 - sizeof(T)))
        {
            value = Unsafe.ReadUnaligned<T>((void*)(entry[1] + address));
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
        ulong vpn = address >> 12;
        ulong* entry = s->WriteTlb + ((vpn & (HartState.TlbEntries - 1)) * 2);
        if (entry[0] == (vpn | s->DataSalt) && (address & 0xFFF) <= (ulong)(4096 - sizeof(T)))
        {
            byte* host = (byte*)(entry[1] + address);
            Unsafe.WriteUnaligned(host, value);
            ulong offset = (ulong)(host - s->RamPointer);
            if ((s->CodeFlags[offset >> 12] | *s->ReservationsActive) != 0)
            {
                h.StoreSideEffects(offset + s->RamBase, sizeof(T));
            }

            return true;
        }

        ulong raw = 0;
        Unsafe.As<ulong, T>(ref raw) = value;
        return h.StoreSlow(address, sizeof(T), raw);
    }
}
