from synthqa.checks.complexity import arithmetic_operations, steps_features


def test_operations_count_binary_operators_only():
    assert arithmetic_operations("3 * (4 + 5)") == 2
    assert arithmetic_operations("-3 + 1") == 1
    assert arithmetic_operations("12") == 0
    assert arithmetic_operations("4.20+9.45+1.35") == 2


def test_features_give_the_signature_and_the_operations_of_a_solution():
    signature, ops = steps_features(["He has 3 * 12 = <<3*12=36>>36 pens.",
                                        "36 - 10 = <<36-10=26>>26 left.", "#### 26"])
    assert ops == 2
    assert signature == "3*12=36\x1f36-10=26"
    same, _ = steps_features(["3*12 = 36 pens, then 36 -10 = 26"])
    assert same == signature        # whitespace does not make a solution different
