namespace Vireo.Storage.Qcow2;

/// <summary>Reads <paramref name="destination"/>.Length bytes of an image file at <paramref name="offset"/> (zeroes past its end).</summary>
internal delegate void Qcow2ReadAt(ulong offset, Span<byte> destination);
