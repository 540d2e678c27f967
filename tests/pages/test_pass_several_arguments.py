import pickle
import sys
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from itertools import repeat

import pytest

from parallel_guide.pages.pass_several_arguments import power, power_of_pair, scale

BASES = [1, 2, 3, 4]
EXPONENTS = [3, 2, 1, 0]
EXPECTED = [1, 4, 3, 1]


def test_the_functions_do_what_they_say():
    assert power(2, 5) == 32
    assert power_of_pair((2, 5)) == 32
    assert scale(3) == 3
    assert scale(3, factor=2, offset=-1) == 5
    with pytest.raises(TypeError):
        scale(3, 2)  # keyword-only


@pytest.mark.timeout(60)
def test_starmap_unpacks_each_tuple(mp_context):
    with mp_context.Pool(2) as pool:
        assert pool.starmap(power, zip(BASES, EXPONENTS, strict=True)) == EXPECTED


@pytest.mark.timeout(60)
def test_executor_map_zips_several_iterables_and_stops_at_the_shortest(mp_context):
    with ProcessPoolExecutor(2, mp_context=mp_context) as pool:
        assert list(pool.map(power, BASES, EXPONENTS, timeout=30)) == EXPECTED
        assert list(pool.map(power, BASES, repeat(2), timeout=30)) == [1, 4, 9, 16]
        pairs = list(zip(BASES, EXPONENTS, strict=True))
        assert list(pool.map(power, *zip(*pairs, strict=True), timeout=30)) == EXPECTED


@pytest.mark.timeout(60)
def test_partial_fixes_arguments_and_keywords(mp_context):
    with ProcessPoolExecutor(2, mp_context=mp_context) as pool:
        squares = pool.map(partial(power, exponent=2), BASES, timeout=30)
        assert list(squares) == [1, 4, 9, 16]
        scaled = pool.map(partial(scale, factor=10, offset=1), BASES, timeout=30)
        assert list(scaled) == [11, 21, 31, 41]


@pytest.mark.timeout(60)
def test_a_wrapper_works_where_a_lambda_cannot_be_pickled(mp_context):
    pairs = list(zip(BASES, EXPONENTS, strict=True))
    with ProcessPoolExecutor(2, mp_context=mp_context) as pool:
        assert list(pool.map(power_of_pair, pairs, timeout=30)) == EXPECTED
    # A lambda in a function is "local": AttributeError before Python 3.14
    unpicklable = (pickle.PicklingError, AttributeError)
    with pytest.raises(unpicklable, match="lambda"):
        pickle.dumps(lambda pair: power(*pair))
    if sys.version_info < (3, 11, 3):
        return  # the pool can hang instead of raising (python/cpython#94440)
    with (
        ProcessPoolExecutor(2, mp_context=mp_context) as pool,
        pytest.raises(unpicklable, match="lambda"),
    ):
        list(pool.map(lambda pair: power(*pair), pairs, timeout=30))
