using System.Buffers.Binary;

namespace Vireo.Network.Packets;

/// <summary>DNS (RFC 1035) header checks and the SERVFAIL/REFUSED answers the forwarder builds itself.</summary>
public static class DnsMessage
{
    public const int HeaderLength = 12;
    public const int RcodeServerFailure = 2;
    public const int RcodeRefused = 5;

    /// <summary>
    /// True when <paramref name="message"/> is a standard query with at least one well-formed question; returns the
    /// length of header plus questions.
    /// </summary>
    public static bool TryReadQuery(ReadOnlySpan<byte> message, out int questionEnd)
    {
        questionEnd = 0;
        if (message.Length < HeaderLength)
        {
            return false;
        }

        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        int questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        if ((flags & 0x8000) != 0 || ((flags >> 11) & 0xF) != 0 || questions == 0 || questions > 16)
        {
            return false;
        }

        int i = HeaderLength;
        for (int q = 0; q < questions; q++)
        {
            int labels = 0;
            while (true)
            {
                if (i >= message.Length || ++labels > 128)
                {
                    return false;
                }

                int length = message[i];
                if (length == 0)
                {
                    i++;
                    break;
                }

                // Compression pointers are not expected in a query's questions; reject them rather than follow.
                if (length > 63)
                {
                    return false;
                }

                i += 1 + length;
            }

            i += 4;
            if (i > message.Length)
            {
                return false;
            }
        }

        questionEnd = i;
        return true;
    }

    /// <summary>Writes an answer-less response with <paramref name="rcode"/> to a query; returns its length.</summary>
    public static int WriteErrorResponse(ReadOnlySpan<byte> query, int questionEnd, int rcode, Span<byte> response)
    {
        query[..questionEnd].CopyTo(response);
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(query[2..]);
        // QR=1, keep opcode and RD, RA=1, the given rcode.
        flags = (ushort)(0x8000 | (flags & 0x0100) | 0x0080 | rcode);
        BinaryPrimitives.WriteUInt16BigEndian(response[2..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(response[6..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(response[8..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(response[10..], 0);
        return questionEnd;
    }
}
