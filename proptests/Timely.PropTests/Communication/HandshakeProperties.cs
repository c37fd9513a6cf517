using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Transport.Tcp;

namespace Timely.PropTests.Communication;

/// <summary>
/// The TCP handshake codec (<see cref="Handshake"/>): what is written reads back equal, and a
/// handshake with any one byte corrupted is refused with a <see cref="TcpTransportException"/>,
/// never accepted and never another exception type; arbitrary bytes are refused the same way.
/// </summary>
public class HandshakeProperties
{
    private static readonly Gen<Handshake> Handshakes =
        from processes in Gen.Choose(1, 4096)
        from process in Gen.Choose(0, processes - 1)
        from threads in Gen.Choose(1, 4096)
        from job in Generators.U64
        from host in Generators.U64
        from secret in Gen.Elements(false, true)
        from high in Generators.U64
        from low in Generators.U64
        select new Handshake(process, processes, threads, job, host, secret, new UInt128(high, low));

    [Property(MaxTest = 300)]
    public Property A_written_handshake_reads_back_equal()
    {
        return Prop.ForAll(Handshakes.ToArbitrary(), h =>
        {
            var bytes = new byte[Handshake.Size];
            h.WriteTo(bytes);
            Assert.Equal(h, Handshake.ReadAndCheck(bytes, h, "peer"));
        });
    }

    [Property(MaxTest = 300)]
    public Property Any_single_corrupted_byte_is_refused()
    {
        var cases =
            from h in Handshakes
            from at in Gen.Choose(0, Handshake.Size - 1)
            from flip in Gen.Choose(1, 255)
            select (h, at, (byte)flip);
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var bytes = new byte[Handshake.Size];
            c.h.WriteTo(bytes);
            bytes[c.at] ^= c.Item3;
            var e = Record.Exception(() => Handshake.ReadAndCheck(bytes, c.h, "peer"));
            Assert.IsType<TcpTransportException>(e);
            Assert.Contains("handshake from peer refused", e.Message, StringComparison.Ordinal);
        });
    }

    [Property(MaxTest = 300)]
    public Property Arbitrary_bytes_are_refused_only_with_a_transport_exception()
    {
        var cases =
            from h in Handshakes
            from length in Gen.Choose(0, Handshake.Size + 8)
            from bytes in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), length)
            select (h, bytes);
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var e = Record.Exception(() =>
            {
                Handshake.CheckPrefix(c.bytes, "peer");
                Handshake.ReadAndCheck(c.bytes, c.h, "peer");
            });
            Assert.IsType<TcpTransportException>(e);
        });
    }
}
