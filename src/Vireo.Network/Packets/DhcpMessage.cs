using System.Buffers.Binary;

namespace Vireo.Network.Packets;

/// <summary>
/// The parts of a BOOTP/DHCP message (RFC 2131/2132) a DHCP server needs: transaction id, flags, client addresses,
/// message type, requested address and server identifier.
/// </summary>
public readonly record struct DhcpMessage(
    byte Operation, uint TransactionId, ushort Flags, uint ClientIp, MacAddress ClientMac, byte MessageType,
    uint RequestedIp, uint ServerId)
{
    public const int FixedLength = 236;
    public const uint MagicCookie = 0x63825363;
    public const byte Discover = 1;
    public const byte Offer = 2;
    public const byte Request = 3;
    public const byte Decline = 4;
    public const byte Ack = 5;
    public const byte Nak = 6;
    public const byte Release = 7;
    public const byte Inform = 8;
    public const byte OptionSubnetMask = 1;
    public const byte OptionRouter = 3;
    public const byte OptionDnsServer = 6;
    public const byte OptionRequestedIp = 50;
    public const byte OptionLeaseTime = 51;
    public const byte OptionMessageType = 53;
    public const byte OptionServerId = 54;
    public const byte OptionRenewalTime = 58;
    public const byte OptionRebindingTime = 59;

    public static bool TryRead(ReadOnlySpan<byte> data, out DhcpMessage message)
    {
        message = default;
        if (data.Length < FixedLength + 4 || data[1] != 1 || data[2] != 6 ||
            BinaryPrimitives.ReadUInt32BigEndian(data[FixedLength..]) != MagicCookie)
        {
            return false;
        }

        byte type = 0;
        uint requested = 0;
        uint server = 0;
        int i = FixedLength + 4;
        while (i < data.Length)
        {
            byte code = data[i];
            if (code == 255)
            {
                break;
            }

            if (code == 0)
            {
                i++;
                continue;
            }

            if (i + 1 >= data.Length || i + 2 + data[i + 1] > data.Length)
            {
                return false;
            }

            int length = data[i + 1];
            ReadOnlySpan<byte> value = data.Slice(i + 2, length);
            if (code == OptionMessageType && length == 1)
            {
                type = value[0];
            }
            else if (code == OptionRequestedIp && length == 4)
            {
                requested = BinaryPrimitives.ReadUInt32BigEndian(value);
            }
            else if (code == OptionServerId && length == 4)
            {
                server = BinaryPrimitives.ReadUInt32BigEndian(value);
            }

            i += 2 + length;
        }

        if (type == 0)
        {
            return false;
        }

        message = new DhcpMessage(data[0], BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(data[10..]), BinaryPrimitives.ReadUInt32BigEndian(data[12..]),
            MacAddress.Read(data[28..]), type, requested, server);
        return true;
    }
}
