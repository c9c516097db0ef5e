// EXPECT_THROWS_MESSAGE(statement, ExceptionType, "exact message"): the statement throws exactly
// that type (or a subclass) with exactly that what().
#pragma once

#include <gtest/gtest.h>

#include <string>

#define EXPECT_THROWS_MESSAGE(statement, exception_type, expected_message)                 \
  do {                                                                                     \
    bool trajcore_thrown = false;                                                          \
    try {                                                                                  \
      statement;                                                                           \
    } catch (const exception_type& e) {                                                    \
      trajcore_thrown = true;                                                              \
      EXPECT_EQ(std::string(e.what()), std::string(expected_message));                     \
    } catch (const std::exception& e) {                                                    \
      ADD_FAILURE() << #statement " threw another exception type: " << e.what();           \
      trajcore_thrown = true;                                                              \
    }                                                                                      \
    if (!trajcore_thrown) ADD_FAILURE() << #statement " did not throw " #exception_type;   \
  } while (false)
