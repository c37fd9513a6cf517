namespace Timely.Bytes;

/// <summary>
/// Asks the codec generator (shipped in this package as an analyzer) to write and register the
/// wire codec of this record, class or struct at compile time, even where no crossing API
/// (<see cref="WireEncodedAttribute"/>) names it: for example a type sent through an allocator of
/// your own. A type that does cross needs no attribute; it gets its codec either way.
/// </summary>
/// <remarks>
/// The layout is bincode's for a Rust struct: the fields in declaration order (a base class's
/// first), each in its own layout, with nothing between them and no field names or count. A
/// member that cannot be encoded (a delegate, a pointer, an <c>object</c> or interface, a cycle
/// with no nullable or collection on it) is a compile-time error at the member.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class GenerateWireCodecAttribute : Attribute
{
}
