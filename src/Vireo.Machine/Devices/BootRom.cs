using System.Buffers.Binary;
using Vireo.Core.Bus;

namespace Vireo.Machine.Devices;

/// <summary>
/// The read-only boot ROM at 0x1000 (QEMU's "mrom"). It holds the OpenSBI <c>fw_dynamic_info</c> block that
/// <c>fw_dynamic.bin</c> reads through a2 to learn where the kernel is and in which mode to enter it.
/// </summary>
internal sealed class BootRom : IMmioDevice
{
    /// <summary>Guest physical address of the ROM.</summary>
    public const ulong Base = 0x1000;

    /// <summary>Offset of fw_dynamic_info in the ROM.</summary>
    public const ulong DynamicInfoOffset = 0x40;

    private const ulong DynamicInfoMagic = 0x4942_534f; // "OSBI"
    private const ulong DynamicInfoVersion = 2;
    private const ulong NextModeSupervisor = 1;

    private readonly byte[] _contents = new byte[0x1000];

    public string Name => "mrom";

    public ulong Size => (ulong)_contents.Length;

    /// <summary>Describes the next boot stage for fw_dynamic: S-mode at <paramref name="nextAddress"/>, booted by hart 0.</summary>
    public void SetDynamicInfo(ulong nextAddress)
    {
        Span<byte> info = _contents.AsSpan((int)DynamicInfoOffset, 48);
        BinaryPrimitives.WriteUInt64LittleEndian(info, DynamicInfoMagic);
        BinaryPrimitives.WriteUInt64LittleEndian(info[8..], DynamicInfoVersion);
        BinaryPrimitives.WriteUInt64LittleEndian(info[16..], nextAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(info[24..], NextModeSupervisor);
        BinaryPrimitives.WriteUInt64LittleEndian(info[32..], 0); // options
        BinaryPrimitives.WriteUInt64LittleEndian(info[40..], 0); // boot hart
    }

    public ulong Read(ulong offset, int size)
    {
        if (offset + (ulong)size > (ulong)_contents.Length)
        {
            return 0;
        }

        ulong value = 0;
        for (int i = size - 1; i >= 0; i--)
        {
            value = (value << 8) | _contents[(int)offset + i];
        }

        return value;
    }

    public void Write(ulong offset, int size, ulong value)
    {
        // ROM: writes are ignored.
    }
}
