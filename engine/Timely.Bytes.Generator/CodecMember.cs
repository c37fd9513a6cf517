using Microsoft.CodeAnalysis;

namespace Timely.Bytes.Generator;

/// <summary>One field of a generated codec's layout: a field, or the storage of an auto-property.</summary>
internal sealed class CodecMember
{
    public CodecMember(string name, ITypeSymbol type, bool isOption, Location? location)
    {
        Name = name;
        Type = type;
        IsOption = isOption;
        Location = location;
    }

    /// <summary>The name code uses to read and set it.</summary>
    public string Name { get; }

    /// <summary>Its type, as the definition declares it (type parameters unsubstituted).</summary>
    public ITypeSymbol Type { get; }

    /// <summary>A nullable reference (<c>T?</c>), written as bincode's Option.</summary>
    public bool IsOption { get; }

    /// <summary>Where it is declared, for diagnostics.</summary>
    public Location? Location { get; }

    /// <summary>Set through the constructor (its position among the parameters), or -1: through an initializer.</summary>
    public int ConstructorPosition { get; set; } = -1;
}
