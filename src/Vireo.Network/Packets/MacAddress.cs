using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Vireo.Network.Packets;

/// <summary>A 48-bit Ethernet MAC address held in the low 48 bits of a <see cref="ulong"/> (first octet highest).</summary>
public readonly record struct MacAddress(ulong Value)
{
    public static MacAddress Broadcast => new(0xFFFF_FFFF_FFFFUL);

    public bool IsBroadcast => Value == 0xFFFF_FFFF_FFFFUL;

    /// <summary>True for group addresses (the I/G bit, which broadcast also sets).</summary>
    public bool IsMulticast => ((Value >> 40) & 1) != 0;

    public bool IsZero => Value == 0;

    public static MacAddress Read(ReadOnlySpan<byte> source)
    {
        return new MacAddress(((ulong)BinaryPrimitives.ReadUInt16BigEndian(source) << 32) |
            BinaryPrimitives.ReadUInt32BigEndian(source[2..]));
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(Value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)Value);
    }

    /// <summary>Parses <c>aa:bb:cc:dd:ee:ff</c> (or with dashes).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out MacAddress? mac)
    {
        mac = null;
        if (text is null || text.Length != 17)
        {
            return false;
        }

        ulong value = 0;
        for (int i = 0; i < 6; i++)
        {
            if (i > 0 && text[(i * 3) - 1] != ':' && text[(i * 3) - 1] != '-')
            {
                return false;
            }

            if (!byte.TryParse(text.AsSpan(i * 3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte octet))
            {
                return false;
            }

            value = (value << 8) | octet;
        }

        mac = new MacAddress(value);
        return true;
    }

    public override string ToString()
    {
        Span<byte> b = stackalloc byte[6];
        Write(b);
        return string.Create(CultureInfo.InvariantCulture, $"{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}:{b[4]:x2}:{b[5]:x2}");
    }
}
